"""The « Fiche territoire »: one commune or EPCI at a glance, for elected officials.

:func:`territory_sheet` gathers, from a computed :class:`~planner.coverage.Coverage`,
who covers the place, the time to the nearest help per network, its fragility, its
underserved-zone membership and the nearest permanences with their hours. The sheet
renders as one self-contained, printable HTML page (:func:`sheet_html`) or as a PDF
(:func:`sheet_pdf_bytes`, fpdf2 with DejaVu Sans for French accents).

Every text comes from the coverage; nothing is recomputed here but lookups and sums.
"""

from __future__ import annotations

import datetime as dt
import html
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from planner import hours
from planner.coverage import Coverage
from planner.export import date_text, font_paths
from planner.maps import (
    OSM_ATTRIBUTION,
    network_colour,
    network_label,
    number_fr,
    source_attributions,
)
from planner.schema import NETWORKS, DataError

#: Most permanences listed on a sheet.
MAX_PERMANENCES = 8
#: Most communes listed on an EPCI sheet (those with the longest access first).
MAX_COMMUNES = 20

_METHODS = {
    "road": "temps de trajet en voiture sur le réseau routier OpenStreetMap",
    "crow_fly": "temps estimés à vol d'oiseau (aucun réseau routier local)",
}


@dataclass
class TerritorySheet:
    """Everything a « Fiche territoire » shows.

    Attributes
    ----------
    kind
        ``"commune"`` or ``"epci"``.
    code, name
        INSEE code or EPCI SIREN, and name.
    context
        Where it lies (département, EPCI), in French.
    territory
        Label of the analysed territory.
    threshold, method
        Access threshold (minutes) and travel method (``road`` or ``crow_fly``).
    population, population_within, demand, demand_within
        Population and estimated people in digital difficulty, in all and within the
        threshold of a counted network.
    fragility_factor
        Fragility factor (1 = average), population-weighted for an EPCI.
    counted
        Networks counted as help.
    access
        One row per network: ``network``, ``réseau``, ``compté`` (bool), ``minutes``,
        ``km`` (from the town hall; for an EPCI the longest over its communes),
        ``site`` (nearest site name), ``commune_site``, ``horaires``, ``dans_le_seuil``.
    covered_by
        Labels of the counted networks with a site within the threshold.
    absent
        Labels of the networks with no site in or near the territory (not in ``access``).
    zones
        Underserved zones the place belongs to: ``zone_id``, ``rank``, ``population``,
        ``unmet_demand``, ``communes`` (names).
    permanences
        Nearest sites with their hours: ``site_id``, ``nom``, ``réseau``, ``network``, ``adresse``,
        ``horaires``, ``minutes``, ``km``, ``compté``.
    communes
        For an EPCI: per commune ``commune``, ``insee``, ``population``, ``minutes``,
        ``population_hors_seuil``, ``zone``; empty for a commune.
    sources
        Attributions of the data shown (source and vintage).
    generated
        Date of the sheet.
    """

    kind: str
    code: str
    name: str
    context: str
    territory: str
    threshold: float
    method: str
    population: int
    population_within: float
    demand: float
    demand_within: float
    fragility_factor: float | None
    counted: list[str]
    access: pd.DataFrame
    covered_by: list[str]
    absent: list[str]
    zones: list[dict[str, Any]]
    permanences: pd.DataFrame
    communes: pd.DataFrame = field(default_factory=pd.DataFrame)
    sources: list[str] = field(default_factory=list)
    generated: dt.date = field(default_factory=dt.date.today)

    @property
    def title(self) -> str:
        """``Fiche territoire — <name>``."""
        return f"Fiche territoire — {self.name}"

    @property
    def share_within(self) -> float | None:
        """Share of the population within the threshold (``None`` without population)."""
        return self.population_within / self.population if self.population else None

    def summary(self) -> dict[str, Any]:
        """Return the sheet's figures as plain JSON-ready values."""
        return {
            "kind": self.kind,
            "code": self.code,
            "name": self.name,
            "threshold_min": self.threshold,
            "method": self.method,
            "population": self.population,
            "population_within": round(self.population_within),
            "demand": round(self.demand, 1),
            "demand_within": round(self.demand_within, 1),
            "fragility_factor": None if self.fragility_factor is None else round(self.fragility_factor, 3),
            "covered_by": self.covered_by,
            "zones": [z["zone_id"] for z in self.zones],
            "access": {
                r.network: None if not np.isfinite(r.minutes) else round(float(r.minutes), 1)
                for r in self.access.itertuples()
            },
        }


# --------------------------------------------------------------------------- building


def _site_table(*coverages: Coverage | None) -> pd.DataFrame:
    frames = [c.sites for c in coverages if c is not None and len(c.sites)]
    if not frames:
        return pd.DataFrame(columns=["site_id", "name", "network", "address", "postcode", "opening_hours"])
    sites = pd.concat([pd.DataFrame(f.drop(columns="geometry")) for f in frames], ignore_index=True)
    return sites.drop_duplicates("site_id").set_index("site_id")


def _commune_names(sites: pd.DataFrame, coverage: Coverage) -> pd.Series:
    from planner.sources.communes import load_communes

    names = coverage.territory.communes.set_index("insee")["name"]
    missing = sites["insee"].dropna()
    missing = missing[~missing.isin(names.index)]
    if len(missing):
        others = load_communes().set_index("insee")["name"]
        names = pd.concat([names, others.reindex(missing.unique()).dropna()])
    return sites["insee"].map(names)


def _address(site: pd.Series, commune: object) -> str:
    town = " ".join(str(x) for x in (site.get("postcode"), commune) if isinstance(x, str) and x)
    street = site.get("address")
    return ", ".join(x for x in (street if isinstance(street, str) else "", town) if x)


def compact_hours(value: object) -> str:
    """Render weekly hours in French, consecutive days with the same hours grouped.

    For example ``"lundi–vendredi 09:00–12:00, 14:00–17:00 ; samedi 09:00–12:00"``.
    """
    if not isinstance(value, dict) or not value:
        return hours.to_text(None)
    runs: list[tuple[list[str], str]] = []
    previous = None
    for index, day in enumerate(hours.DAYS):
        if day not in value:
            previous = None
            continue
        spans = ", ".join(f"{a}–{b}" for a, b in value[day])
        if runs and previous == index - 1 and runs[-1][1] == spans:
            runs[-1][0].append(day)
        else:
            runs.append(([day], spans))
        previous = index
    parts = []
    for days, spans in runs:
        first, last = hours.DAY_LABELS[days[0]], hours.DAY_LABELS[days[-1]]
        label = first if len(days) == 1 else (f"{first}, {last}" if len(days) == 2 else f"{first}–{last}")
        parts.append(f"{label} {spans}")
    return " ; ".join(parts)


def _hours_text(value: object) -> str:
    return compact_hours(value)


def _networks(coverage: Coverage, extra: Coverage | None) -> list[tuple[str, Coverage, bool]]:
    out = [(n, coverage, True) for n in coverage.networks]
    if extra is not None:
        out += [(n, extra, False) for n in extra.networks if n not in coverage.networks]
    order = {n: i for i, n in enumerate(NETWORKS)}
    return sorted(out, key=lambda t: (not t[2], order.get(t[0], len(order))))


def territory_sheet(
    coverage: Coverage,
    code: str,
    *,
    extra: Coverage | None = None,
    today: dt.date | None = None,
) -> TerritorySheet:
    """Return the « Fiche territoire » of a commune or an EPCI of the covered territory.

    Parameters
    ----------
    coverage
        Coverage of a territory containing the place, with the networks counted as help.
    code
        INSEE code of a commune, or SIREN of an EPCI, of that territory.
    extra
        Coverage of the same territory for networks shown but not counted (e.g. La
        Poste): they appear in the access table, marked « non compté ».
    today
        Date printed on the sheet (default today).

    Returns
    -------
    TerritorySheet

    Raises
    ------
    DataError
        When the code names no commune or EPCI of the covered territory.
    """
    code = str(code).strip().upper()
    communes = coverage.communes
    if code in set(communes["insee"]):
        kind, rows = "commune", communes[communes["insee"] == code]
    elif code in set(communes["epci"].dropna()):
        kind, rows = "epci", communes[communes["epci"] == code]
    else:
        raise DataError(
            f"« {code} » n'est ni une commune ni un EPCI du territoire analysé ({coverage.territory.label})",
            hint="choisissez une commune (code INSEE) ou un EPCI (SIREN) du territoire, "
            "ou changez de territoire",
        )
    first = rows.iloc[0]
    from planner.territory import departement_names

    dep = departement_names().get(first["departement"], first["departement"])
    if kind == "commune":
        name = str(first["name"])
        context = f"Commune {code} — {dep} ({first['departement']})"
        if isinstance(first["epci_name"], str):
            context += f" — {first['epci_name']}"
    else:
        name = str(first["epci_name"])
        context = f"EPCI {code} — {len(rows)} communes — {dep} ({first['departement']})"

    insee = set(rows["insee"])
    points = coverage.points[coverage.points["insee"].isin(insee)]
    within = (points["minutes"] <= coverage.threshold).to_numpy()
    population = int(rows["population"].sum())
    pop_points = points["population"].to_numpy()
    demand_points = points["demand"].fillna(0).to_numpy()
    weights = rows["population"].where(rows["fragility_factor"].notna(), 0)
    fragility = (
        float((rows["fragility_factor"].fillna(0) * weights).sum() / weights.sum()) if weights.sum() > 0 else None
    )

    sites = _site_table(coverage, extra)
    site_commune = _commune_names(sites.reset_index(), coverage) if len(sites) else pd.Series(dtype="str")
    if len(sites):
        site_commune.index = sites.index
    access_rows, nearest = [], {}
    for network, cov, counted in _networks(coverage, extra):
        table = cov.communes[cov.communes["insee"].isin(insee)]
        minutes = table[f"minutes_{network}"].astype(float)
        worst = int(np.argmax(minutes.to_numpy())) if len(minutes) else 0
        best_site = table[f"site_{network}"].iloc[worst] if len(table) else None
        value = float(minutes.iloc[worst]) if len(minutes) else np.inf
        km = float(table[f"km_{network}"].astype(float).iloc[worst]) if len(table) else np.inf
        site = sites.loc[best_site] if isinstance(best_site, str) and best_site in sites.index else None
        access_rows.append({
            "network": network,
            "réseau": network_label(network),
            "compté": counted,
            "minutes": value,
            "km": km,
            "site": None if site is None else site["name"],
            "commune_site": None if site is None else site_commune.get(best_site),
            "horaires": None if site is None else _hours_text(site.get("opening_hours")),
            "dans_le_seuil": bool(np.isfinite(value) and value <= coverage.threshold),
        })
        for sid, m, k in zip(table[f"site_{network}"], minutes, table[f"km_{network}"].astype(float)):
            if isinstance(sid, str) and np.isfinite(m) and (sid not in nearest or m < nearest[sid][0]):
                nearest[sid] = (m, k, counted)
    absent = [r["réseau"] for r in access_rows if r["site"] is None and not np.isfinite(r["minutes"])]
    access = pd.DataFrame(
        [r for r in access_rows if r["réseau"] not in absent],
        columns=["network", "réseau", "compté", "minutes", "km", "site", "commune_site", "horaires",
                 "dans_le_seuil"],
    )
    covered_by = [r["réseau"] for r in access_rows if r["compté"] and r["dans_le_seuil"]]

    perm_rows = []
    for sid, (m, k, counted) in sorted(nearest.items(), key=lambda kv: kv[1][0])[:MAX_PERMANENCES]:
        if sid not in sites.index:
            continue
        site = sites.loc[sid]
        perm_rows.append({
            "site_id": sid, "nom": site["name"], "réseau": network_label(site["network"]), "network": site["network"],
            "adresse": _address(site, site_commune.get(sid)), "horaires": _hours_text(site.get("opening_hours")),
            "minutes": m, "km": k, "compté": counted,
        })
    permanences = pd.DataFrame(
        perm_rows, columns=["site_id", "nom", "réseau", "network", "adresse", "horaires", "minutes", "km", "compté"]
    )

    zones = []
    for rank, zone in enumerate(coverage.zones.itertuples(), start=1):
        if insee & set(zone.communes):
            zones.append({"zone_id": zone.zone_id, "rank": rank, "population": int(zone.population),
                          "unmet_demand": float(zone.unmet_demand), "communes": list(zone.commune_names)})

    table = pd.DataFrame()
    if kind == "epci":
        table = pd.DataFrame({
            "commune": rows["name"].to_numpy(), "insee": rows["insee"].to_numpy(),
            "population": rows["population"].to_numpy(), "minutes": rows["minutes"].astype(float).to_numpy(),
            "population_hors_seuil": rows["population_out"].fillna(0).round().astype("int64").to_numpy(),
            "zone": rows["zone_id"].to_numpy(),
        }).sort_values(["minutes", "population"], ascending=[False, False], ignore_index=True)

    shown_sites = pd.concat([c.sites for c in (coverage, extra) if c is not None], ignore_index=True)
    layers = ["ifn_iris", "ifn_scores"] + (["roads"] if coverage.method == "road" else [])
    return TerritorySheet(
        kind=kind, code=code, name=name, context=context, territory=coverage.territory.label,
        threshold=coverage.threshold, method=coverage.method, population=population,
        population_within=float(pop_points[within].sum()), demand=float(demand_points.sum()),
        demand_within=float(demand_points[within].sum()), fragility_factor=fragility,
        counted=list(coverage.networks), access=access, covered_by=covered_by, absent=absent, zones=zones,
        permanences=permanences, communes=table,
        sources=source_attributions(shown_sites, layers), generated=today or dt.date.today(),
    )


# --------------------------------------------------------------------------- text


def minutes_text(value: float) -> str:
    """``25 min``, ``1 h 12``, or « aucun site accessible » when infinite."""
    if value is None or not np.isfinite(value):
        return "aucun site accessible"
    total = round(value)
    return f"{total} min" if total < 60 else f"{total // 60} h {total % 60:02d}"


def km_text(value: float) -> str:
    """``10,9 km`` (« — » when unknown)."""
    return "—" if value is None or not np.isfinite(value) else f"{number_fr(value, 1)} km"


def _pct(value: float | None) -> str:
    return "n. d." if value is None or not np.isfinite(value) else f"{number_fr(100 * value, 1)} %"


def headline(sheet: TerritorySheet) -> str:
    """Return the one-sentence answer for an elected official, in French."""
    where = "la commune" if sheet.kind == "commune" else "l'EPCI"
    threshold = f"{number_fr(sheet.threshold)} minutes"
    if sheet.covered_by:
        who = ", ".join(sheet.covered_by)
        if sheet.kind == "commune":
            text = f"Depuis la mairie, {where} a une aide au numérique à moins de {threshold} : {who}."
        else:
            text = f"Toutes les mairies de {where} ont une aide au numérique à moins de {threshold} : {who}."
    elif sheet.kind == "commune":
        text = f"Aucun réseau d'aide au numérique compté n'est à moins de {threshold} de la mairie."
    else:
        text = f"Aucun réseau d'aide au numérique compté n'est à moins de {threshold} de toutes les " \
               "mairies de l'EPCI."
    share = _pct(sheet.share_within)
    return f"{text} Part des habitants, comptés là où ils vivent, à moins de {threshold} : {share}."


def figures(sheet: TerritorySheet) -> list[tuple[str, str]]:
    """Key figures of the sheet as ``(label, value)`` pairs, in French."""
    zone = ", ".join(f"{z['zone_id']} (rang {z['rank']})" for z in sheet.zones) or "aucune"
    return [
        ("Population", number_fr(sheet.population)),
        (f"Part à moins de {number_fr(sheet.threshold)} min", _pct(sheet.share_within)),
        ("Personnes en difficulté numérique (estimation)", number_fr(sheet.demand)),
        ("dont au-delà du seuil", number_fr(sheet.demand - sheet.demand_within)),
        ("Facteur de fragilité (1 = moyenne)",
         "n. d." if sheet.fragility_factor is None else number_fr(sheet.fragility_factor, 2)),
        ("Zone mal desservie", zone),
    ]


def notes(sheet: TerritorySheet) -> list[str]:
    """How to read the sheet (method, networks counted, demand, hours), in French."""
    counted = ", ".join(network_label(n) for n in sheet.counted)
    return [
        f"Méthode : {_METHODS.get(sheet.method, sheet.method)} ; seuil {number_fr(sheet.threshold)} minutes ; "
        "temps mesurés depuis la mairie, population comptée par IRIS ou par commune.",
        f"Réseaux comptés comme aide : {counted}. Les autres réseaux sont indiqués « non compté ».",
        "Personnes en difficulté numérique = population × taux d'illectronisme (INSEE) × facteur de "
        "fragilité (indice de fragilité numérique, ou son estimation).",
        "Horaires indicatifs, tels que publiés par les sources : vérifiez-les avant de vous déplacer.",
    ]


def sources(sheet: TerritorySheet) -> list[str]:
    """Attributions to print: © OpenStreetMap contributors first, then each source with its vintage."""
    return list(dict.fromkeys([OSM_ATTRIBUTION, *sheet.sources]))


_CSS = """
@page { size: A4; margin: 12mm; }
* { box-sizing: border-box; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 9.5pt; color: #111;
       max-width: 190mm; margin: 0 auto; line-height: 1.35; }
h1 { font-size: 17pt; margin: 0; }
h2 { font-size: 11.5pt; margin: 4mm 0 1.5mm; border-bottom: 1.5px solid #000091; color: #000091;
     break-after: avoid; }
p { margin: 1mm 0; }
.context { color: #333; margin-bottom: 2mm; }
.headline { font-size: 11pt; font-weight: bold; background: #eef0fb; border-left: 4px solid #000091;
            padding: 2mm 3mm; }
.figures { display: grid; grid-template-columns: repeat(3, 1fr); gap: 2mm; margin: 2mm 0; }
.figure { border: 1px solid #999; border-radius: 2mm; padding: 1.5mm 2mm; }
.figure b { display: block; font-size: 13pt; }
.figure span { font-size: 8pt; color: #333; }
table { border-collapse: collapse; width: 100%; margin: 1mm 0 2mm; }
th, td { border: 1px solid #999; padding: 0.8mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #e8e8e8; }
td.num { text-align: right; white-space: nowrap; }
tr { break-inside: avoid; page-break-inside: avoid; }
tr.out td { color: #555; }
.swatch { display: inline-block; width: 8pt; height: 8pt; margin-right: 3pt; vertical-align: -1pt;
          border: 1px solid #333; }
.ok { color: #1b5e20; font-weight: bold; }
.ko { color: #b71c1c; font-weight: bold; }
ul.notes { font-size: 8pt; color: #333; padding-left: 4mm; margin: 1mm 0; }
footer { font-size: 7.5pt; color: #444; border-top: 1px solid #999; margin-top: 3mm; padding-top: 1mm; }
@media print { .headline { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
               th, .swatch { -webkit-print-color-adjust: exact; print-color-adjust: exact; } }
"""


def sheet_html(sheet: TerritorySheet) -> str:
    """Return the sheet as one self-contained HTML page (no external resource), printable on A4.

    Every value from data is HTML-escaped.
    """
    esc = html.escape
    out = [
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{esc(sheet.title)}</title><style>{_CSS}</style></head><body>",
        f"<header><h1>{esc(sheet.title)}</h1>",
        f'<p class="context">{esc(sheet.context)} — territoire analysé : {esc(sheet.territory)}</p></header>',
        f'<p class="headline">{esc(headline(sheet))}</p>',
        '<div class="figures">',
    ]
    out += [f'<div class="figure"><b>{esc(v)}</b><span>{esc(k)}</span></div>' for k, v in figures(sheet)]
    out.append("</div>")

    where = "depuis la mairie" if sheet.kind == "commune" else "depuis la mairie la plus éloignée"
    out.append(f"<h2>Temps d'accès à l'aide la plus proche, par réseau ({esc(where)})</h2>")
    out.append(
        "<table><thead><tr><th>Réseau</th><th>Temps</th><th>Distance</th><th>Site le plus proche</th>"
        f"<th>À moins de {esc(number_fr(sheet.threshold))} min</th></tr></thead><tbody>"
    )
    for r in sheet.access.itertuples():
        mark = '<span class="ok">oui</span>' if r.dans_le_seuil else '<span class="ko">non</span>'
        site = ", ".join(str(x) for x in (r.site, r.commune_site) if isinstance(x, str))
        counted = "" if r.compté else " <small>(non compté)</small>"
        out.append(
            f'<tr class="{"in" if r.compté else "out"}"><td><i class="swatch" '
            f'style="background:{esc(network_colour(r.network))}"></i>{esc(r.réseau)}{counted}</td>'
            f'<td class="num">{esc(minutes_text(r.minutes))}</td><td class="num">{esc(km_text(r.km))}</td>'
            f"<td>{esc(site) or '—'}</td><td>{mark}</td></tr>"
        )
    out.append("</tbody></table>")
    if sheet.absent:
        out.append(f"<p><small>Aucun site à proximité pour : {esc(', '.join(sheet.absent))}.</small></p>")

    out.append("<h2>Permanences les plus proches et leurs horaires</h2>")
    if sheet.permanences.empty:
        out.append("<p>Aucun site trouvé à proximité.</p>")
    else:
        out.append(
            "<table><thead><tr><th>Lieu</th><th>Réseau</th><th>Adresse</th><th>Horaires</th>"
            "<th>Temps</th></tr></thead><tbody>"
        )
        for r in sheet.permanences.itertuples():
            out.append(
                f'<tr><td>{esc(str(r.nom))}</td><td><i class="swatch" style="background:'
                f'{esc(network_colour(r.network))}"></i>{esc(r.réseau)}</td><td>{esc(r.adresse)}</td>'
                f'<td>{esc(r.horaires)}</td><td class="num">{esc(minutes_text(r.minutes))}</td></tr>'
            )
        out.append("</tbody></table>")

    if sheet.zones:
        out.append("<h2>Zone mal desservie</h2>")
        for z in sheet.zones:
            names = ", ".join(z["communes"])
            out.append(
                f"<p><b>Zone {esc(z['zone_id'])}</b> (rang {z['rank']} par demande non couverte) : "
                f"{esc(number_fr(z['population']))} habitants au-delà du seuil, "
                f"{esc(number_fr(z['unmet_demand']))} personnes en difficulté numérique sans aide proche. "
                f"Communes : {esc(names)}.</p>"
            )

    if sheet.kind == "epci" and not sheet.communes.empty:
        shown = sheet.communes.head(MAX_COMMUNES)
        more = len(sheet.communes) - len(shown)
        out.append("<h2>Communes, de la plus éloignée à la plus proche d'une aide</h2>")
        out.append(
            "<table><thead><tr><th>Commune</th><th>Population</th><th>Temps</th>"
            "<th>Habitants au-delà du seuil</th><th>Zone</th></tr></thead><tbody>"
        )
        for r in shown.itertuples():
            out.append(
                f"<tr><td>{esc(str(r.commune))} ({esc(str(r.insee))})</td>"
                f'<td class="num">{esc(number_fr(r.population))}</td>'
                f'<td class="num">{esc(minutes_text(r.minutes))}</td>'
                f'<td class="num">{esc(number_fr(r.population_hors_seuil))}</td>'
                f"<td>{esc(r.zone) if isinstance(r.zone, str) else '—'}</td></tr>"
            )
        out.append("</tbody></table>")
        if more > 0:
            out.append(f"<p><small>… et {more} autres communes, plus proches d'une aide.</small></p>")

    out.append("<h2>Comment lire cette fiche</h2><ul class=\"notes\">")
    out += [f"<li>{esc(n)}</li>" for n in notes(sheet)]
    out.append("</ul>")
    out.append(
        f"<footer>Sources : {esc(' ; '.join(sources(sheet)))}. "
        f"Fiche générée le {esc(date_text(sheet.generated))}.</footer>"
    )
    out.append("</body></html>")
    return "\n".join(out)


def sheet_pdf_bytes(sheet: TerritorySheet) -> bytes:
    """Return the sheet as a PDF (A4; DejaVu Sans from matplotlib's bundled fonts)."""
    from fpdf import FPDF
    from fpdf.fonts import FontFace

    regular, bold = font_paths()
    credits = " ; ".join(sources(sheet))
    generated = date_text(sheet.generated)

    class _Sheet(FPDF):
        def footer(self) -> None:
            self.set_y(-14)
            self.set_font("DejaVu", "", 6.5)
            self.set_text_color(68, 68, 68)
            self.multi_cell(0, 2.9, f"Sources : {credits}. Fiche générée le {generated} — page "
                            f"{self.page_no()}/{{nb}}", align="C", new_x="LMARGIN", new_y="NEXT")

    pdf = _Sheet(orientation="P", unit="mm", format="A4")
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_margins(12, 12, 12)
    pdf.set_auto_page_break(True, margin=18)
    pdf.set_creation_date(dt.datetime.combine(sheet.generated, dt.time(), tzinfo=dt.UTC))
    pdf.set_title(sheet.title)
    pdf.set_author("planner")
    pdf.set_lang("fr")
    pdf.add_page()
    width = pdf.w - pdf.l_margin - pdf.r_margin
    heading = FontFace(family="DejaVu", emphasis="BOLD", fill_color=(232, 232, 232))

    def text(line: str, size: float = 9, style: str = "", height: float = 4.4,
             colour: tuple[int, int, int] = (17, 17, 17)) -> None:
        pdf.set_font("DejaVu", style, size)
        pdf.set_text_color(*colour)
        pdf.multi_cell(0, height, line, new_x="LMARGIN", new_y="NEXT", align="L")

    def section(title: str) -> None:
        pdf.ln(2)
        text(title, 11, "B", 5.5, (0, 0, 145))
        pdf.set_draw_color(0, 0, 145)
        pdf.set_line_width(0.4)
        pdf.line(pdf.l_margin, pdf.get_y(), pdf.l_margin + width, pdf.get_y())
        pdf.ln(1.2)

    def table(headers: list[str], rows: list[list[str]], widths: tuple[float, ...], numeric: set[int]) -> None:
        pdf.set_font("DejaVu", "", 7.5)
        pdf.set_text_color(17, 17, 17)
        pdf.set_draw_color(150, 150, 150)
        pdf.set_line_width(0.2)
        align = tuple("RIGHT" if i in numeric else "LEFT" for i in range(len(headers)))
        with pdf.table(col_widths=widths, line_height=3.8, text_align=align, headings_style=heading) as t:
            t.row(headers)
            for row in rows:
                t.row(row)

    text(sheet.title, 16, "B", 7.5)
    text(f"{sheet.context} — territoire analysé : {sheet.territory}", 8.5, "", 4.2, (51, 51, 51))
    pdf.ln(1)
    pdf.set_fill_color(238, 240, 251)
    pdf.set_font("DejaVu", "B", 10)
    pdf.set_text_color(17, 17, 17)
    pdf.multi_cell(0, 5, headline(sheet), fill=True, new_x="LMARGIN", new_y="NEXT", padding=1.5, align="L")
    pdf.ln(1.5)
    boxes = figures(sheet)
    box_w, box_h = (width - 4) / 3, 12
    top = pdf.get_y()
    for i, (label, value) in enumerate(boxes):
        x, y = pdf.l_margin + (i % 3) * (box_w + 2), top + (i // 3) * (box_h + 2)
        pdf.set_draw_color(153, 153, 153)
        pdf.rect(x, y, box_w, box_h, round_corners=True, corner_radius=1.5)
        pdf.set_xy(x + 1.5, y + 1)
        pdf.set_font("DejaVu", "B", 11)
        pdf.cell(box_w - 3, 5.5, value)
        pdf.set_xy(x + 1.5, y + 6.5)
        pdf.set_font("DejaVu", "", 6.8)
        pdf.set_text_color(51, 51, 51)
        pdf.cell(box_w - 3, 4, label)
        pdf.set_text_color(17, 17, 17)
    pdf.set_xy(pdf.l_margin, top + 2 * (box_h + 2))

    where = "depuis la mairie" if sheet.kind == "commune" else "depuis la mairie la plus éloignée"
    section(f"Temps d'accès à l'aide la plus proche, par réseau ({where})")
    table(
        ["Réseau", "Temps", "Distance", "Site le plus proche", f"< {number_fr(sheet.threshold)} min"],
        [[r.réseau + ("" if r.compté else " (non compté)"), minutes_text(r.minutes), km_text(r.km),
          ", ".join(str(x) for x in (r.site, r.commune_site) if isinstance(x, str)) or "—",
          "oui" if r.dans_le_seuil else "non"] for r in sheet.access.itertuples()],
        (44, 22, 18, 86, 16), {1, 2},
    )
    if sheet.absent:
        text(f"Aucun site à proximité pour : {', '.join(sheet.absent)}.", 7.5)
    section("Permanences les plus proches et leurs horaires")
    if sheet.permanences.empty:
        text("Aucun site trouvé à proximité.", 8.5)
    else:
        table(
            ["Lieu", "Réseau", "Adresse", "Horaires", "Temps"],
            [[str(r.nom), r.réseau, r.adresse, r.horaires, minutes_text(r.minutes)]
             for r in sheet.permanences.itertuples()],
            (40, 28, 44, 58, 16), {4},
        )
    if sheet.zones:
        section("Zone mal desservie")
        for z in sheet.zones:
            text(
                f"Zone {z['zone_id']} (rang {z['rank']} par demande non couverte) : "
                f"{number_fr(z['population'])} habitants au-delà du seuil, {number_fr(z['unmet_demand'])} "
                f"personnes en difficulté numérique sans aide proche. Communes : {', '.join(z['communes'])}.",
                8.5,
            )
    if sheet.kind == "epci" and not sheet.communes.empty:
        shown = sheet.communes.head(MAX_COMMUNES)
        section("Communes, de la plus éloignée à la plus proche d'une aide")
        table(
            ["Commune", "Population", "Temps", "Habitants au-delà du seuil", "Zone"],
            [[f"{r.commune} ({r.insee})", number_fr(r.population), minutes_text(r.minutes),
              number_fr(r.population_hors_seuil), r.zone if isinstance(r.zone, str) else "—"]
             for r in shown.itertuples()],
            (70, 26, 26, 44, 20), {1, 2, 3},
        )
        if len(sheet.communes) > len(shown):
            text(f"… et {len(sheet.communes) - len(shown)} autres communes, plus proches d'une aide.", 7.5)
    section("Comment lire cette fiche")
    for note in notes(sheet):
        text(f"• {note}", 7.5, "", 3.6, (51, 51, 51))
    return bytes(pdf.output())


def sheet_file_name(sheet: TerritorySheet, suffix: str) -> str:
    """Return a download file name such as ``fiche_territoire_2A004.pdf``."""
    return f"fiche_territoire_{sheet.code}.{suffix.lstrip('.')}"
