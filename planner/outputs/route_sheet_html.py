"""An advisor's route sheet as one self-contained, printable HTML page.

Every text from the plan is escaped for its context (:mod:`planner.outputs.escape`).
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from planner import fr
from planner.data.hours import DAY_LABELS
from planner.optimize.tables import PlanTables
from planner.outputs.escape import html_attr, html_text
from planner.outputs.route_sheet import (
    DAY_COLOURS,
    STOP_HEADERS,
    STOP_NUMERIC,
    WeekView,
    day_summary,
    projector,
    scale_bar,
    stop_rows,
    week_heading,
    weeks,
)
from planner.outputs.tables import attribution
from planner.outputs.validate import validate_plan

_CSS = """
@page { size: A4; margin: 12mm; }
body { font-family: "DejaVu Sans", Arial, sans-serif; font-size: 10pt; color: #111;
       max-width: 190mm; margin: 0 auto; }
h1 { font-size: 16pt; margin: 0 0 1mm; }
h2 { font-size: 12pt; margin: 5mm 0 1mm; border-bottom: 1px solid #999; break-after: avoid; }
p { margin: 1mm 0; }
table { border-collapse: collapse; width: 100%; margin: 1mm 0 2mm; }
th, td { border: 1px solid #bbb; padding: 1mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #eee; }
td.num { text-align: right; white-space: nowrap; }
tr { break-inside: avoid; page-break-inside: avoid; }
section.week { break-after: page; page-break-after: always; }
section.week:last-of-type { break-after: auto; page-break-after: auto; }
figure { margin: 2mm 0; }
figure svg { width: 100%; height: auto; border: 1px solid #bbb; }
figcaption, footer { font-size: 8pt; color: #555; }
.swatch { display: inline-block; width: 9pt; height: 9pt; margin-right: 4pt; vertical-align: -1pt; }
.legend span { margin-right: 10pt; white-space: nowrap; }
"""


def _svg_map(view: WeekView, name: str, width: int = 720, height: int = 380) -> str:
    """An inline SVG sketch of the week's tours (no background tiles)."""
    project, km_per_px = projector(view, width, height, 28)
    parts = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" '
            f'role="img" aria-label="{html_attr(f"Carte des tournées de {name}, semaine {view.week}")}">'
        ),
        f'<rect width="{width}" height="{height}" fill="#fbfbf8"/>',
    ]
    for day, _, lines in view.days:
        for line in lines:
            pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in project(line))
            parts.append(
                f'<polyline points="{pts}" fill="none" stroke="{DAY_COLOURS[day.day]}" '
                f'stroke-width="2.2" stroke-opacity="0.85">'
                f"<title>{html_text(DAY_LABELS[day.day])}</title></polyline>"
            )
    bx, by = project(np.asarray(view.base_lonlat))[0]
    parts.append(
        f'<g><title>{html_text("Base : " + view.base)}</title><rect x="{bx - 7:.1f}" y="{by - 7:.1f}" '
        f'width="14" height="14" fill="#111" stroke="#fff"/></g>'
    )
    for day, stops, _ in view.days:
        for row, (x, y) in zip(
            stops.itertuples(index=False), project(stops[["lon", "lat"]].to_numpy())
        ):
            label = f"{DAY_LABELS[row.day]} {row.order}. {row.name} ({row.arrival})"
            parts.append(
                f"<g><title>{html_text(label)}</title>"
                f'<circle cx="{x:.1f}" cy="{y:.1f}" r="8" fill="{DAY_COLOURS[day.day]}" '
                'stroke="#fff"/>'
                f'<text x="{x:.1f}" y="{y + 3.5:.1f}" font-size="10" text-anchor="middle" '
                f'fill="#fff" font-family="sans-serif">{int(row.order)}</text></g>'
            )
    km, length = scale_bar(km_per_px, width)
    parts.append(
        f'<line x1="16" y1="{height - 14}" x2="{16 + length:.1f}" y2="{height - 14}" '
        f'stroke="#111" stroke-width="3"/><text x="16" y="{height - 20}" font-size="11" '
        f'font-family="sans-serif">{html_text(fr.km(km, 1 if km < 1 else 0))}</text>'
    )
    parts.append("</svg>")
    return "".join(parts)



def _html_row(cells: list[str]) -> str:
    """A ``<tr>`` of escaped cells; non-empty numeric cells are right-aligned."""
    tds = []
    for i, cell in enumerate(cells):
        attr = ' class="num"' if i in STOP_NUMERIC and cell else ""
        tds.append(f"<td{attr}>{html_text(cell)}</td>")
    return "<tr>" + "".join(tds) + "</tr>"


def route_sheet_html(plan: PlanTables, advisor: int) -> str:
    """Return an advisor's printable route sheet as one self-contained HTML page.

    Parameters
    ----------
    plan
        The plan.
    advisor
        The advisor's number (1-based).

    Returns
    -------
    HTML with print CSS: one section per week (a printed page each) with the totals, an
    inline SVG sketch of the tours, and per day the departure, return, drive and a table
    of visits (arrival, hours, place, address, drive). Every name is HTML-escaped; the
    sources are in each section's footer.
    """
    plan = validate_plan(plan)
    name, views = weeks(plan, int(advisor))
    title = f"Feuille de route — {name}"
    out = [
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html_text(title)}</title><style>{_CSS}</style></head><body>",
    ]
    footer = (
        f"<footer>Sources : {html_text(attribution(plan) or 'non renseignées')}. "
        f"Généré le {html_text(fr.date(dt.date.fromisoformat(plan.meta['generated'])))}. "
        "Horaires indicatifs : vérifiez l'ouverture des lieux avant le départ.</footer>"
    )
    if not views:
        out.append(f"<h1>{html_text(title)}</h1><p>Aucune journée planifiée.</p>{footer}")
    for view in views:
        out.append('<section class="week">')
        out.append(f"<h1>{html_text(title)}</h1>")
        out.append(f"<p>{html_text(week_heading(plan, view))}</p>")
        out.append(f"<p><strong>{html_text(view.totals())}</strong></p>")
        legend = "".join(
            f'<span><i class="swatch" style="background:{DAY_COLOURS[d.day]}"></i>'
            f"{html_text(DAY_LABELS[d.day])}</span>"
            for d, s, _ in view.days
            if len(s)
        )
        roads = any(d.route is not None for d, _, _ in view.days)
        out.append(
            f'<figure>{_svg_map(view, name)}<figcaption class="legend">{legend}'
            "<span>■ base</span> — numéros : ordre de passage ; "
            f"{'tracé routier' if roads else 'lignes droites entre étapes'}"
            "</figcaption></figure>"
        )
        for day, stops, _ in view.days:
            out.append(
                f'<h2><i class="swatch" style="background:{DAY_COLOURS[day.day]}"></i>'
                f"{html_text(fr.date(day.date).capitalize())}</h2>"
            )
            out.append(f"<p>{html_text(day_summary(day))}</p>")
            if stops.empty:
                out.append("<p>Aucune visite ce jour.</p>")
                continue
            headers = "".join(f"<th>{html_text(h)}</th>" for h in STOP_HEADERS)
            out.append(f"<table><thead><tr>{headers}</tr></thead><tbody>")
            out.extend(_html_row(cells) for cells in stop_rows(day, stops))
            out[-1] += "</tbody></table>"
        out.append(footer)
        out.append("</section>")
    out.append("</body></html>")
    return "\n".join(out)

