"""A « Fiche territoire » on paper: one self-contained, printable HTML page, or a PDF.

The HTML needs no external resource and escapes every value from data
(:mod:`planner.outputs.escape`); the PDF is A4, drawn with fpdf2 in DejaVu Sans
(:func:`planner.outputs.fonts.font_paths`) for the French accents.
"""

from __future__ import annotations

import datetime as dt

from fpdf import FPDF
from fpdf.fonts import FontFace

from planner import fr
from planner.outputs.escape import html_attr, html_text
from planner.outputs.fonts import font_paths
from planner.outputs.maps.base import network_colour
from planner.outputs.sheet import MAX_COMMUNES, TerritorySheet
from planner.outputs.sheet_text import (
    TO_CONFIRM,
    access_range,
    access_time,
    figure_sources,
    figures,
    headline,
    notes,
    sources,
    zone_communes,
)

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
.figure span { font-size: 8pt; color: #333; display: block; }
.figure small { font-size: 6.5pt; color: #555; display: block; }
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
    out = [
        '<!DOCTYPE html><html lang="fr"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{html_text(sheet.title)}</title><style>{_CSS}</style></head><body>",
        f"<header><h1>{html_text(sheet.title)}</h1>",
        f'<p class="context">{html_text(sheet.context)} — territoire analysé : {html_text(sheet.territory)}</p></header>',
        f'<p class="headline">{html_text(headline(sheet))}</p>',
        '<div class="figures">',
    ]
    out += [f'<div class="figure"><b>{html_text(v)}</b><span>{html_text(k)}</span>'
            f'<small>Source : {html_text(src)}</small></div>'
            for (k, v), src in zip(figures(sheet), figure_sources(sheet))]
    out.append("</div>")

    where = "depuis la mairie" if sheet.kind == "commune" else "depuis la mairie la plus éloignée"
    out.append(f"<h2>Temps d'accès à l'aide la plus proche, par réseau ({html_text(where)})</h2>")
    out.append(
        "<table><thead><tr><th>Réseau</th><th>Temps</th><th>Distance</th><th>Site le plus proche</th>"
        f"<th>À moins de {html_text(fr.duration(sheet.threshold))}</th></tr></thead><tbody>"
    )
    for r in sheet.access.itertuples():
        mark = '<span class="ok">oui</span>' if r.dans_le_seuil else '<span class="ko">non</span>'
        site = ", ".join(str(x) for x in (r.site, r.commune_site) if isinstance(x, str))
        counted = "" if r.compté else " <small>(non compté)</small>"
        out.append(
            f'<tr class="{"in" if r.compté else "out"}"><td><i class="swatch" '
            f'style="background:{html_attr(network_colour(r.network))}"></i>{html_text(r.réseau)}{counted}</td>'
            f'<td class="num">{html_text(access_range(r.minutes, r.minutes_low, r.minutes_high))}</td>'
            f'<td class="num">{html_text(fr.km(r.km))}</td>'
            f"<td>{html_text(site) or '—'}</td><td>{mark}</td></tr>"
        )
    out.append("</tbody></table>")
    if sheet.absent:
        out.append(f"<p><small>Aucun site à proximité pour : {html_text(', '.join(sheet.absent))}.</small></p>")

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
                f'<tr><td>{html_text(str(r.nom))}</td><td><i class="swatch" style="background:'
                f'{html_attr(network_colour(r.network))}"></i>{html_text(r.réseau)}</td><td>{html_text(r.adresse)}</td>'
                f'<td>{html_text(r.horaires)}</td><td class="num">{html_text(access_time(r.minutes))}</td></tr>'
            )
        out.append("</tbody></table>")

    if sheet.zones:
        out.append("<h2>Zone mal desservie</h2>")
        for z in sheet.zones:
            names = zone_communes(z)
            out.append(
                f"<p><b>Zone {html_text(z['zone_id'])}</b> (rang {z['rank']} par demande non couverte) : "
                f"{html_text(fr.integer(z['population']))} habitants au-delà du seuil, "
                f"{html_text(fr.integer(z['unmet_demand']))} personnes en difficulté numérique sans aide proche. "
                f"Communes : {html_text(names)}.</p>"
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
                f"<tr><td>{html_text(str(r.commune))} ({html_text(str(r.insee))})</td>"
                f'<td class="num">{html_text(fr.integer(r.population))}</td>'
                f'<td class="num">{html_text(_commune_time(r.minutes, r.à_confirmer))}</td>'
                f'<td class="num">{html_text(fr.integer(r.population_hors_seuil))}</td>'
                f"<td>{html_text(r.zone) if isinstance(r.zone, str) else '—'}</td></tr>"
            )
        out.append("</tbody></table>")
        if more > 0:
            out.append(f"<p><small>… et {more} autres communes, plus proches d'une aide "
                       f"({html_text(fr.integer(sheet.communes['population_hors_seuil'].iloc[MAX_COMMUNES:].sum()))}"
                       " habitants au-delà du seuil).</small></p>")

    out.append("<h2>Comment lire cette fiche</h2><ul class=\"notes\">")
    out += [f"<li>{html_text(n)}</li>" for n in notes(sheet)]
    out.append("</ul>")
    out.append(
        f"<footer>Sources : {html_text(' ; '.join(sources(sheet)))}. "
        f"Fiche générée le {html_text(fr.date(sheet.generated))}.</footer>"
    )
    out.append("</body></html>")
    return "\n".join(out)


def sheet_pdf_bytes(sheet: TerritorySheet) -> bytes:
    """Return the sheet as a PDF (A4; DejaVu Sans from matplotlib's bundled fonts)."""
    regular, bold = font_paths()
    credits = " ; ".join(sources(sheet))
    generated = fr.date(sheet.generated)

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
    pdf.multi_cell(0, 5, headline(sheet), fill=True, new_x="LMARGIN", new_y="NEXT", align="L",
                   padding=1.5)  # type: ignore[arg-type]  # fpdf2 pads in mm: a float works
    pdf.ln(1.5)
    boxes = figures(sheet)
    credits_of = figure_sources(sheet)
    box_w, box_h = (width - 4) / 3, 16.5
    top = pdf.get_y()
    for i, (label, value) in enumerate(boxes):
        x, y = pdf.l_margin + (i % 3) * (box_w + 2), top + (i // 3) * (box_h + 2)
        inner = box_w - 3
        pdf.set_draw_color(153, 153, 153)
        pdf.rect(x, y, box_w, box_h, round_corners=True, corner_radius=1.5)
        pdf.set_xy(x + 1.5, y + 1)
        if _fit(pdf, value, inner, "B", 11, 7.5) is None:  # a long text: two lines
            pdf.set_font("DejaVu", "B", 6)
            pdf.multi_cell(inner, 2.7, value, max_line_height=2.7)
        else:
            pdf.cell(inner, 5.5, value)
        pdf.set_xy(x + 1.5, y + 6.6)
        pdf.set_text_color(51, 51, 51)
        _fit(pdf, label, inner, "", 6.8, 5.2)
        pdf.cell(inner, 3.8, label)
        pdf.set_xy(x + 1.5, y + 10.4)
        note = f"Source : {credits_of[i]}"
        pdf.set_font("DejaVu", "", 4.6 if pdf.get_string_width(note) > 3 * inner else 5)
        pdf.multi_cell(inner, 1.9, note, max_line_height=1.9)
        pdf.set_text_color(17, 17, 17)
    pdf.set_xy(pdf.l_margin, top + ((len(boxes) + 2) // 3) * (box_h + 2))

    where = "depuis la mairie" if sheet.kind == "commune" else "depuis la mairie la plus éloignée"
    section(f"Temps d'accès à l'aide la plus proche, par réseau ({where})")
    table(
        ["Réseau", "Temps", "Distance", "Site le plus proche", f"< {fr.duration(sheet.threshold)}"],
        [[r.réseau + ("" if r.compté else " (non compté)"), access_range(r.minutes, r.minutes_low, r.minutes_high),
          fr.km(r.km),
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
            [[str(r.nom), r.réseau, r.adresse, r.horaires, access_time(r.minutes)]
             for r in sheet.permanences.itertuples()],
            (40, 28, 44, 58, 16), {4},
        )
    if sheet.zones:
        section("Zone mal desservie")
        for z in sheet.zones:
            text(
                f"Zone {z['zone_id']} (rang {z['rank']} par demande non couverte) : "
                f"{fr.integer(z['population'])} habitants au-delà du seuil, {fr.integer(z['unmet_demand'])} "
                f"personnes en difficulté numérique sans aide proche. Communes : {zone_communes(z)}.",
                8.5,
            )
    if sheet.kind == "epci" and not sheet.communes.empty:
        shown = sheet.communes.head(MAX_COMMUNES)
        section("Communes, de la plus éloignée à la plus proche d'une aide")
        table(
            ["Commune", "Population", "Temps", "Habitants au-delà du seuil", "Zone"],
            [[f"{r.commune} ({r.insee})", fr.integer(r.population), _commune_time(r.minutes, r.à_confirmer),
              fr.integer(r.population_hors_seuil), r.zone if isinstance(r.zone, str) else "—"]
             for r in shown.itertuples()],
            (70, 26, 26, 44, 20), {1, 2, 3},
        )
        if len(sheet.communes) > len(shown):
            text(f"… et {len(sheet.communes) - len(shown)} autres communes, plus proches d'une aide.", 7.5)
    section("Comment lire cette fiche")
    for note in notes(sheet):
        text(f"• {note}", 7.5, "", 3.6, (51, 51, 51))
    return bytes(pdf.output())


def _fit(pdf: FPDF, text: str, width: float, style: str, size: float, smallest: float) -> float | None:
    """Set the largest DejaVu size in [smallest, size] (half-point steps) at which ``text`` fits
    ``width`` on one line and return it; ``None`` (font left at ``smallest``) when none does."""
    while size >= smallest:
        pdf.set_font("DejaVu", style, size)
        if pdf.get_string_width(text) <= width:
            return size
        size -= 0.5
    return None


def _commune_time(minutes: float, doubtful: bool) -> str:
    """A commune's access time, « à confirmer » when its interval straddles the threshold."""
    return f"{access_time(minutes)} ({TO_CONFIRM})" if doubtful else access_time(minutes)


def sheet_file_name(sheet: TerritorySheet, suffix: str) -> str:
    """Return a download file name such as ``fiche_territoire_2A004.pdf``."""
    return f"fiche_territoire_{sheet.code}.{suffix.lstrip('.')}"
