"""French text of the coverage stage: the demand model's formula, the ``planner coverage``
console summary, the labels of fragility sources and proxy inputs."""

from __future__ import annotations

from typing import Any

from planner import fr
from planner.access.demand import BASE_RATE, DemandModel, LinearProxy
from planner.data.schema import NETWORKS

#: French labels of ``fragility_source`` values.
SOURCE_LABELS: dict[str, str] = {
    "ifn": "indice de fragilité numérique 2020",
    "ifn_2023": "indice de fragilité numérique 2023 (ANCT)",
    "proxy": "estimation (65 ans et plus, diplôme, pauvreté)",
    "proxy_chomage": "estimation (taux de chômage)",
    "neutre": "facteur neutre (1)",
}

#: French labels of the proxy inputs.
INPUT_LABELS: dict[str, str] = {
    "share_65_plus": "part des 65 ans et plus",
    "share_low_diploma": "part des non ou peu diplômés",
    "poverty_rate": "taux de pauvreté",
    "unemployment_rate": "taux de chômage des 15-64 ans",
}


def describe_demand_model(model: DemandModel) -> str:
    """Return the demand formula and its coefficients in French, for the app and reports.

    Parameters
    ----------
    model
        The demand model.

    Returns
    -------
    str
        Several lines: the formula, the base rate and its origin, the fragility factor's
        bounds and the sources of the factor in the order they are tried.
    """
    if model.base_rate == BASE_RATE:
        origin = "INSEE 2021 : illectronisme des personnes de 15 ans ou plus"
    else:
        origin = "valeur choisie par l'utilisateur"
    bounds = f"[{fr.decimal(model.factor_min)} ; {fr.decimal(model.factor_max)}]"
    lines = [
        "Personnes en difficulté numérique estimées = population × taux de base × facteur de fragilité.",
        f"Taux de base : {fr.decimal(100 * model.base_rate, 2)}{fr.NBSP}% ({origin}).",
        f"Facteur de fragilité, borné à {bounds}, pris dans l'ordre :",
    ]
    step = 1
    if model.use_ifn:
        lines.append(
            f"  {step}. score global de l'indice de fragilité numérique 2020 (La MedNum, "
            "base 100 = moyenne régionale) / 100, là où les fichiers IRIS existent ;"
        )
        lines.append(
            f"  {step + 1}. sinon, indice de fragilité numérique 2023 (ANCT, août 2023) de la "
            "commune (ou de son EPCI) / sa moyenne régionale pondérée par la population ; "
            "à défaut, le score 2020 des fichiers régionaux ;"
        )
        step += 2
    for proxy in (model.proxy, model.fallback_proxy):
        if proxy is None:
            continue
        lines.append(f"  {step}. sinon, {_proxy_text(proxy)} ;")
        step += 1
    lines.append(f"  {step}. sinon, 1 (facteur neutre).")
    lines.append("Parts et taux sont exprimés entre 0 et 1.")
    return "\n".join(lines)


def _proxy_text(proxy: LinearProxy) -> str:
    """``0,806 + 1,609 × taux de chômage (régression linéaire sur …)``."""
    terms = " ".join(
        f"{'−' if c < 0 else '+'} {fr.decimal(abs(c))} × {INPUT_LABELS.get(n, n)}" for n, c in proxy.coefficients
    )
    fit = (
        f" (régression linéaire sur {fr.integer(proxy.n)} observations, R² = {fr.decimal(proxy.r2, 2)} ; {proxy.sample})"
        if proxy.n
        else ""
    )
    return f"{fr.decimal(proxy.intercept)} {terms}{fit}"


def render_coverage(summary: dict[str, Any], max_zones: int = 10) -> str:
    """Return the ``planner coverage`` console text of a coverage summary.

    Parameters
    ----------
    summary
        :meth:`planner.access.coverage.Coverage.summary`.
    max_zones
        Zones listed (the first by unmet demand).
    """
    s = summary
    method = "route" if s["method"] == "road" else "vol d’oiseau"
    lines = [
        f"Territoire : {s['territory']} — méthode : {method}",
        f"Population à moins de {fr.duration(s['threshold_min'])} : {fr.integer(s['population_within'])} "
        f"sur {fr.integer(s['population'])} ({fr.percent(s['share_within'])})",
        f"Communes mal desservies : {s['communes_underserved']} — zones : {len(s['zones'])}",
    ]
    if "demand_within" in s:  # the served demand beside the demand within reach
        served = (f"{fr.integer(s['served_demand'])}, {fr.integer(s['unserved_reachable_demand'])} à portée mais "
                  "non servie" if s.get("served_demand") is not None else "—")
        lines.insert(2, f"Demande à portée : {fr.integer(s['demand_within'])} — demande servie (estimation, par "
                        f"an) : {served}")
    for z in s["zones"][:max_zones]:
        lines.append(f"  {z['id']} : {fr.plural(len(z['communes']), 'commune')}, "
                     f"{fr.with_unit(z['population'], 'hab.')}, demande non couverte {fr.integer(z['unmet_demand'])}")
    lines += [
        f"  {NETWORKS[n][0]} : {fr.with_unit(v['population_within'], 'hab.')} couverts, "
        f"dont {fr.integer(v['unique_population'])} seulement par lui"
        for n, v in s["by_network"].items()
    ]
    if s.get("warnings"):
        lines.append("Données manquantes (le calcul continue sans elles) :")
        lines += [f"  - {w}" for w in s["warnings"]]
    return "\n".join(lines)
