"""The ``planner`` command (Typer). It parses options, calls ``planner`` and prints;
it holds no analysis logic. Every message is in French; errors never show a traceback."""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from planner.schema import NETWORKS, DataError

app = typer.Typer(
    help="Planificateur de couverture territoriale pour l'inclusion numérique.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
data_app = typer.Typer(help="Données sources : téléchargement et état.", no_args_is_help=True)
app.add_typer(data_app, name="data")


def emit(payload: Any, as_json: bool, render: Callable[[Any], str] | None = None) -> None:
    """Print a result as one JSON object, or as French text."""
    if as_json:
        typer.echo(json.dumps(payload, ensure_ascii=False, default=str))
    else:
        typer.echo(render(payload) if render else json.dumps(payload, ensure_ascii=False, indent=2, default=str))


TerritoryOpt = typer.Option("2A,2B", "--territory", "-t", help="Départements, EPCI (SIREN), communes (INSEE) ou « france », séparés par des virgules.")
JsonOpt = typer.Option(False, "--json", help="Sortie JSON (un seul objet).")
ThresholdOpt = typer.Option(30.0, "--threshold", help="Seuil d'accès, en minutes.")
DaysOpt = typer.Option("lun,mar,mer,jeu,ven", "--days", help="Jours travaillés (lun..sam).")
CoveringOpt = typer.Option(None, "--networks", help="Réseaux dont les sites existants couvrent déjà.")
ForceOpt = typer.Option(False, "--force", help="Écraser les fichiers existants.")


@app.command("layers")
def layers_cmd(territory: str = TerritoryOpt, as_json: bool = JsonOpt) -> None:
    """Communes, population et sites de chaque réseau du territoire, avec leurs sources."""
    from planner.inventory import layers_summary
    from planner.territory import select

    summary = layers_summary(select(territory))

    def render(s: dict) -> str:
        lines = [f"Territoire : {s['label']} ({s['territory']})",
                 f"Communes : {s['communes']}", f"Population : {s['population']:,}".replace(",", " "),
                 "Sites dans le territoire :"]
        lines += [f"  {NETWORKS[k][0]} : {v}" for k, v in s["sites"].items()]
        lines.append("Lignes écartées ou signalées (fichiers entiers) :")
        lines += [f"  {k} : {v['rejected']} écartées, {v['suspect']} signalées" for k, v in s["skipped_rows"].items()]
        return "\n".join(lines)

    emit(summary, as_json, render)


LayersOpt = typer.Option(
    None, "--layers", "-l",
    help="Couches à télécharger, séparées par des virgules ou répétées "
    "(défaut : toutes celles qui ont une URL).",
)


@data_app.command("fetch")
def data_fetch_cmd(layers: list[str] | None = LayersOpt, as_json: bool = JsonOpt) -> None:
    """Télécharge les exports officiels dans le dossier de données (PLANNER_DATA_DIR)."""
    from planner import fetch

    results = fetch.fetch(fetch.parse_layer_names(layers))
    emit(fetch.fetch_report(results), as_json, fetch.render_fetch)


@data_app.command("status")
def data_status_cmd(as_json: bool = JsonOpt) -> None:
    """État de chaque couche : fichier, lignes, millésime, source, licence."""
    from planner import fetch

    emit(fetch.status_report(), as_json, fetch.render_status)


@app.command("travel")
def travel_cmd(
    territory: str = TerritoryOpt,
    from_: str = typer.Option("town_hall", "--from", help="Origines : « town_hall » (une mairie par commune) ou un réseau."),
    to: str = typer.Option("la_poste", "--to", help="Destinations : un réseau (sites du territoire et de sa marge)."),
    as_json: bool = JsonOpt,
) -> None:
    """Temps de trajet de chaque origine jusqu'au site le plus proche (route, sinon vol d'oiseau)."""
    from planner.territory import select
    from planner.travel import travel_summary

    summary = travel_summary(select(territory), from_, to)

    def render(s: dict) -> str:
        method = "réseau routier" if s["method"] == "road" else "vol d'oiseau (pas de réseau routier local)"
        fmt = lambda v: "—" if v is None else f"{v:.1f}".replace(".", ",") + " min"  # noqa: E731
        return "\n".join([
            f"Méthode : {method}", f"Origines : {s['origins']}", f"Destinations : {s['destinations']}",
            f"Temps médian jusqu'au site le plus proche : {fmt(s['median_minutes_to_nearest'])}",
            f"Temps maximal jusqu'au site le plus proche : {fmt(s['max_minutes_to_nearest'])}",
            f"Origines sans site joignable : {s['unreachable']}",
        ])

    emit(summary, as_json, render)


def _networks(value: str | None) -> list[str] | None:
    return None if not value else [v.strip() for v in value.split(",") if v.strip()]


@app.command("coverage")
def coverage_cmd(
    territory: str = TerritoryOpt,
    threshold: float = ThresholdOpt,
    networks: str | None = typer.Option(None, "--networks", help="Réseaux comptés comme aide (par défaut : ceux qui offrent une aide numérique)."),
    level: str = typer.Option("iris", "--level", help="Points de demande : « iris » ou « commune »."),
    max_extent: float = typer.Option(40.0, "--max-extent", help="Étendue maximale d'une zone, en km."),
    base_rate: float = typer.Option(0.154, "--base-rate", help="Part des personnes en difficulté numérique (INSEE 2021 : 0,154)."),
    factor_min: float = typer.Option(0.5, "--factor-min", help="Borne basse du facteur de fragilité."),
    factor_max: float = typer.Option(2.0, "--factor-max", help="Borne haute du facteur de fragilité."),
    out: Path | None = typer.Option(None, "--out", help="Dossier où écrire le GeoPackage et les CSV."),
    force: bool = ForceOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Population à portée d'aide, zones mal desservies et complémentarité des réseaux."""
    from planner.coverage import compute_coverage
    from planner.demand import DemandModel
    from planner.territory import select

    model = DemandModel(base_rate=base_rate, factor_min=factor_min, factor_max=factor_max)
    result = compute_coverage(select(territory), _networks(networks), threshold, level=level,
                              max_extent_km=max_extent, demand_model=model)
    summary = result.summary()
    if out is not None:
        summary["files"] = [str(p) for p in result.write(out, force=force)]

    def render(s: dict) -> str:
        lines = [
            f"Territoire : {s['territory']} — méthode : {'route' if s['method'] == 'road' else 'vol d’oiseau'}",
            f"Population à moins de {s['threshold_min']:g} min : {s['population_within']:,} sur {s['population']:,}"
            f" ({s['share_within']:.1%})".replace(",", " "),
            f"Communes mal desservies : {s['communes_underserved']} — zones : {len(s['zones'])}",
        ]
        for z in s["zones"][:10]:
            lines.append(f"  {z['id']} : {len(z['communes'])} communes, {z['population']} hab., "
                         f"demande non couverte {z['unmet_demand']:.0f}")
        lines += [f"  {NETWORKS[n][0]} : {v['population_within']} hab. couverts, dont {v['unique_population']} seulement par lui"
                  for n, v in s["by_network"].items()]
        return "\n".join(lines)

    emit(summary, as_json, render)


@app.command("plan")
def plan_cmd(
    territory: str = TerritoryOpt,
    advisors: int = typer.Option(2, "--advisors", help="Nombre de conseillers itinérants."),
    bases: str | None = typer.Option(None, "--bases", help="Base de chaque conseiller : code INSEE ou identifiant de site, séparés par des virgules."),
    days: str = DaysOpt,
    window: str = typer.Option("09:00-17:00", "--window", help="Plage horaire quotidienne."),
    max_drive: float | None = typer.Option(None, "--max-drive", help="Conduite maximale par jour, en minutes."),
    stops: int = typer.Option(12, "--stops", help="Nombre d'arrêts à choisir."),
    stop_minutes: float = typer.Option(180, "--stop-minutes", help="Durée d'une permanence, en minutes."),
    frequency: str = typer.Option("weekly", "--frequency", help="« weekly » (chaque semaine) ou « fortnightly » (une semaine sur deux)."),
    threshold: float = ThresholdOpt,
    networks: str | None = CoveringOpt,
    time_limit: float = typer.Option(10.0, "--time-limit", help="Temps de calcul des tournées, en secondes."),
    seed: int = typer.Option(1, "--seed", help="Graine : mêmes entrées et graine, même plan."),
    out: Path | None = typer.Option(None, "--out", help="Dossier où écrire les exports."),
    force: bool = ForceOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Arrêts et tournées hebdomadaires des conseillers itinérants, avec leurs exports."""
    from planner.export import write_all
    from planner.plan import PlanSettings, make_plan
    from planner.schema import HELP_NETWORKS
    from planner.territory import select

    start, _, end = window.partition("-")
    settings = PlanSettings(
        advisors=advisors, bases=tuple(_networks(bases) or ()), days=tuple(_networks(days) or ()),
        window=(start.strip(), end.strip()), max_drive_minutes=max_drive, stops=stops, stop_minutes=stop_minutes,
        frequency=frequency, threshold=threshold, networks=tuple(_networks(networks) or HELP_NETWORKS),
        time_limit=time_limit, seed=seed,
    )
    result = make_plan(select(territory), settings)
    summary = result.summary()
    if out is not None:
        written = write_all(result.tables(), out, force=force)
        summary["files"] = {fmt: [str(p) for p in paths] for fmt, paths in written.items()}

    def render(s: dict) -> str:
        lines = [f"Demande couverte : {s['covered_demand']:.0f} ({s['covered_demand_share']:.1%}) — "
                 f"conduite : {s['drive_hours']:.1f} h par {'quinzaine' if s['weeks'] == 2 else 'semaine'}"]
        for a in s["advisors"]:
            lines.append(f"{a['name']} (base : {a['base']})")
            for d in a["days"]:
                stops_text = ", ".join(f"{v['arrival']} {v['name']}" for v in d["visits"]) or "aucune visite"
                lines.append(f"  {d['day']} (semaine {d['week']}) : {stops_text}")
        lines += [f"Non visité : {u['name']} — {u['reason']}" for u in s["unvisited"]]
        lines += [f"Fichiers : {', '.join(p for ps in s.get('files', {}).values() for p in ps)}"] if s.get("files") else []
        return "\n".join(lines)

    emit(summary, as_json, render)


@app.command("compare")
def compare_cmd(
    territory: str = TerritoryOpt,
    advisors: int = typer.Option(4, "--advisors", help="Nombre de conseillers de chaque mode."),
    threshold: float = ThresholdOpt,
    weekly_hours: float = typer.Option(35.0, "--weekly-hours", help="Heures de travail par conseiller et par semaine."),
    days: str = DaysOpt,
    shared_days: int = typer.Option(2, "--shared-days", help="Mode partagé : jours par semaine dans les structures partenaires."),
    shared_reach: float = typer.Option(45.0, "--shared-reach", help="Mode partagé : trajet maximal de la base aux partenaires, en minutes."),
    stop_minutes: float = typer.Option(180, "--stop-minutes", help="Mode itinérant : durée d'une permanence, en minutes."),
    bases: str | None = typer.Option(None, "--bases", help="Mode itinérant : base de chaque conseiller (code INSEE ou identifiant de site)."),
    networks: str | None = CoveringOpt,
    time_limit: float = typer.Option(10.0, "--time-limit", help="Mode itinérant : temps de calcul des tournées, en secondes."),
    seed: int = typer.Option(1, "--seed", help="Mode itinérant : graine des tournées."),
    as_json: bool = JsonOpt,
) -> None:
    """Modes de fonctionnement comparés (fixe, itinérant, partagé, intégré) à conseillers égaux."""
    from planner.schema import HELP_NETWORKS
    from planner.strategies import ModeAssumptions, compare_modes, render, summary
    from planner.territory import select

    assumptions = ModeAssumptions(
        weekly_hours=weekly_hours, days=tuple(_networks(days) or ()), stop_minutes=stop_minutes,
        itinerant_bases=tuple(_networks(bases) or ()), shared_days=shared_days, shared_reach_minutes=shared_reach,
        covering_networks=tuple(_networks(networks) or HELP_NETWORKS), routing_time_limit_s=time_limit, seed=seed,
    )
    frame = compare_modes(select(territory), advisors, assumptions, threshold)
    emit(summary(frame), as_json, render)


def main() -> None:
    """Entry point: run the app, turning known errors into French messages (exit 2)."""
    debug = bool(os.environ.get("PLANNER_DEBUG"))
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s %(message)s")
    try:
        app()
    except DataError as exc:
        typer.echo(f"Erreur : {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        typer.echo("Interrompu.", err=True)
        sys.exit(130)
    except Exception as exc:  # never a traceback for the user; the detail goes to the log
        logging.getLogger("planner").debug("erreur inattendue", exc_info=True)
        typer.echo(
            f"Erreur inattendue ({type(exc).__name__}) : {exc} — vérifiez les fichiers et les options ; "
            "relancez avec PLANNER_DEBUG=1 pour le détail technique.",
            err=True,
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
