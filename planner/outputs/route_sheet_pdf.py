"""An advisor's route sheet as PDF (A4, fpdf2, DejaVu Sans): one page or more per week."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
from fpdf import FPDF
from fpdf.fonts import FontFace

from planner import fr
from planner.data.hours import DAY_LABELS
from planner.optimize.tables import PlanTables
from planner.outputs.fonts import font_paths
from planner.outputs.route_sheet import (
    DAY_COLOURS,
    STOP_HEADERS,
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


def _hex_rgb(colour: str) -> tuple[int, int, int]:
    return int(colour[1:3], 16), int(colour[3:5], 16), int(colour[5:7], 16)


def _pdf_map(pdf: Any, view: WeekView, x0: float, y0: float, width: float, height: float) -> None:
    """Draw the week's sketch with fpdf primitives in the box (x0, y0, width, height), mm."""
    project, km_per_mm = projector(view, width, height, 6)
    origin = np.array([x0, y0])
    pdf.set_draw_color(170, 170, 170)
    pdf.set_line_width(0.2)
    pdf.rect(x0, y0, width, height)
    pdf.set_line_width(0.6)
    for day, _, lines in view.days:
        pdf.set_draw_color(*_hex_rgb(DAY_COLOURS[day.day]))
        for line in lines:
            pdf.polyline([tuple(p) for p in (project(line) + origin).tolist()])
    bx, by = project(np.asarray(view.base_lonlat))[0] + origin
    pdf.set_fill_color(17, 17, 17)
    pdf.rect(bx - 1.8, by - 1.8, 3.6, 3.6, style="F")
    pdf.set_font("DejaVu", "B", 6)
    pdf.set_draw_color(255, 255, 255)
    pdf.set_line_width(0.2)
    pdf.set_text_color(255, 255, 255)
    for day, stops, _ in view.days:
        pdf.set_fill_color(*_hex_rgb(DAY_COLOURS[day.day]))
        for order, (x, y) in zip(
            stops["order"], project(stops[["lon", "lat"]].to_numpy()) + origin
        ):
            pdf.ellipse(x - 2, y - 2, 4, 4, style="DF")
            pdf.set_xy(x - 2, y - 2)
            pdf.cell(4, 4, str(int(order)), align="C")
    km, length = scale_bar(km_per_mm, width)
    pdf.set_draw_color(17, 17, 17)
    pdf.set_line_width(0.6)
    pdf.line(x0 + 4, y0 + height - 4, x0 + 4 + length, y0 + height - 4)
    pdf.set_text_color(17, 17, 17)
    pdf.set_font("DejaVu", "", 6)
    pdf.set_xy(x0 + 4, y0 + height - 8.5)
    pdf.cell(30, 4, fr.km(km, 1 if km < 1 else 0))


def route_sheet_pdf_bytes(plan: PlanTables, advisor: int) -> bytes:
    """Return an advisor's printable route sheet as PDF (A4, at least one page per week).

    Parameters
    ----------
    plan
        The plan.
    advisor
        The advisor's number (1-based).

    Returns
    -------
    The PDF content: per week the totals, a sketch map drawn with vector lines and
    points, and per day a table of visits; the sources and page number in the footer.
    Text uses DejaVu Sans from matplotlib's bundled fonts (French accents).
    """
    plan = validate_plan(plan)
    name, views = weeks(plan, int(advisor))
    regular, bold = font_paths()
    sources = attribution(plan) or "non renseignées"

    class _Sheet(FPDF):
        def footer(self) -> None:
            self.set_y(-12)
            self.set_font("DejaVu", "", 7)
            self.set_text_color(90, 90, 90)
            self.multi_cell(
                0,
                3.2,
                f"Sources : {sources} — page {self.page_no()}/{{nb}}",
                align="C",
                new_x="LMARGIN",
                new_y="NEXT",
            )

    pdf = _Sheet(orientation="P", unit="mm", format="A4")
    pdf.add_font("DejaVu", "", str(regular))
    pdf.add_font("DejaVu", "B", str(bold))
    pdf.set_margins(12, 12, 12)
    pdf.set_auto_page_break(True, margin=16)
    generated = dt.date.fromisoformat(plan.meta["generated"])
    pdf.set_creation_date(dt.datetime.combine(generated, dt.time(), tzinfo=dt.UTC))
    title = f"Feuille de route — {name}"
    pdf.set_title(title)
    pdf.set_author("planner")
    pdf.set_lang("fr")
    width = pdf.w - pdf.l_margin - pdf.r_margin

    def text(line: str, size: float = 9, style: str = "", height: float = 4.6) -> None:
        pdf.set_font("DejaVu", style, size)
        pdf.set_text_color(17, 17, 17)
        pdf.multi_cell(0, height, line, new_x="LMARGIN", new_y="NEXT")

    if not views:
        pdf.add_page()
        text(title, 15, "B", 7)
        text("Aucune journée planifiée.")
    for view in views:
        pdf.add_page()
        text(title, 15, "B", 7)
        text(week_heading(plan, view))
        text(view.totals(), 9, "B")
        top = pdf.get_y() + 1
        _pdf_map(pdf, view, pdf.l_margin, top, width, 78)
        pdf.set_xy(pdf.l_margin, top + 79)
        pdf.set_font("DejaVu", "", 7)
        for day, stops, _ in view.days:
            if stops.empty:
                continue
            pdf.set_fill_color(*_hex_rgb(DAY_COLOURS[day.day]))
            pdf.rect(pdf.get_x(), pdf.get_y() + 0.8, 2.4, 2.4, style="F")
            pdf.set_x(pdf.get_x() + 3)
            pdf.set_text_color(17, 17, 17)
            pdf.cell(pdf.get_string_width(DAY_LABELS[day.day]) + 4, 4, DAY_LABELS[day.day])
        pdf.cell(0, 4, "■ base — numéros : ordre de passage", new_x="LMARGIN", new_y="NEXT")
        for day, stops, _ in view.days:
            pdf.ln(1.5)
            text(fr.date(day.date).capitalize(), 11, "B", 6)
            text(day_summary(day), 8.5)
            if stops.empty:
                text("Aucune visite ce jour.", 8.5)
                continue
            pdf.set_font("DejaVu", "", 8)
            pdf.set_draw_color(150, 150, 150)
            pdf.set_line_width(0.2)
            pdf.set_fill_color(255, 255, 255)
            with pdf.table(
                col_widths=(7, 12, 19, 36, 40, 46, 14, 10),
                line_height=4.2,
                text_align="LEFT",
                headings_style=_headings(),
            ) as table:
                table.row(list(STOP_HEADERS))
                for cells in stop_rows(day, stops):
                    table.row(cells)
    return bytes(pdf.output())


def _headings() -> Any:
    return FontFace(family="DejaVu", emphasis="BOLD", fill_color=(235, 235, 235))

