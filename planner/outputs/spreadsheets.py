"""Spreadsheets for coordinators: the visits as CSV (French Excel) and an XLSX workbook.

Every text cell is neutralized (:func:`planner.outputs.escape.neutralize`, OWASP « CSV
injection »): a place named ``=HYPERLINK(…)`` stays a text.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from planner import fr
from planner.optimize.tables import PlanTables
from planner.outputs.escape import neutralize
from planner.outputs.tables import advisors, summary_table, visit_table
from planner.outputs.validate import validate_plan

_XLSX_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _neutralize_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Apply :func:`neutralize` to every text column of ``frame`` (copy)."""
    out = frame.copy()
    for col in out.columns:
        if not pd.api.types.is_numeric_dtype(out[col]):
            out[col] = out[col].map(neutralize).astype(object)
    return out

def to_csv_bytes(plan: PlanTables) -> bytes:
    """Return the visits as CSV for French Excel: UTF-8 with BOM, ``;``, decimal comma.

    Parameters
    ----------
    plan
        The plan.

    Returns
    -------
    The file content; text cells are neutralized (:func:`neutralize`).
    """
    table = visit_table(plan)
    table["Date"] = [d.strftime("%d/%m/%Y") for d in table["Date"]]
    text = _neutralize_frame(table).to_csv(index=False, sep=";", decimal=",", lineterminator="\r\n")
    return text.encode("utf-8-sig")


def _cell(value: Any) -> Any:
    """A value openpyxl can store safely (text cleaned and neutralized)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str):
        return neutralize(_XLSX_ILLEGAL.sub("", value))
    return value


def _append(ws: Any, values: list[Any], bold: bool = False) -> None:
    ws.append([_cell(x) for x in values])
    if not values:
        return
    for cell in ws[ws.max_row]:
        if isinstance(cell.value, dt.date):
            cell.number_format = "DD/MM/YYYY"
        if bold:
            cell.font = Font(bold=True)


def _fit_widths(ws: Any, minimum: int = 8, maximum: int = 60) -> None:
    widths: dict[int, int] = {}
    for row in ws.iter_rows():
        for cell in row:
            if cell.value is not None:
                size = 10 if isinstance(cell.value, dt.date) else len(str(cell.value))
                widths[cell.column] = max(widths.get(cell.column, 0), size)
    for col, size in widths.items():
        ws.column_dimensions[get_column_letter(col)].width = min(maximum, max(minimum, size + 2))


def _sheet_title(name: str, used: set[str]) -> str:
    base = _SHEET_FORBIDDEN.sub(" ", name).strip().strip("'")[:31] or "Conseiller"
    title, n = base, 2
    while title.lower() in used:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(title.lower())
    return title


def to_xlsx_bytes(plan: PlanTables) -> bytes:
    """Return the plan as an Excel workbook: a "Synthèse" sheet, then one sheet per advisor.

    Parameters
    ----------
    plan
        The plan.

    Returns
    -------
    The ``.xlsx`` content. "Synthèse" holds the totals per advisor, the stops left out
    with their reasons and the sources; every text cell is neutralized.
    """
    plan = validate_plan(plan)
    meta = plan.meta
    weeks = sorted(set(plan.days["week"])) or [1]
    wb = Workbook()
    ws = wb.active
    ws.title = "Synthèse"
    _append(ws, [f"Tournées des conseillers — {meta['territory']}"], bold=True)
    _append(ws, ["Généré le", dt.date.fromisoformat(meta["generated"])])
    _append(ws, ["Première semaine", f"semaine du {fr.date(meta['week_start'])}"])
    _append(ws, ["Horizon", f"{fr.plural(len(weeks), 'semaine')} ; heures et kilomètres sur tout l'horizon"])
    _append(ws, [])
    summary = summary_table(plan)
    _append(ws, list(summary.columns), bold=True)
    for values in summary.itertuples(index=False):
        _append(ws, list(values), bold=values[0] == "Total")
    _append(ws, [])
    _append(ws, ["Étapes non retenues"], bold=True)
    if meta["unvisited"]:
        _append(ws, ["Lieu", "Code INSEE", "Motif"], bold=True)
        for item in meta["unvisited"]:
            _append(ws, [item["name"], item["insee"], item["reason"]])
    else:
        _append(ws, ["Aucune : toutes les étapes demandées sont planifiées."])
    _append(ws, [])
    _append(ws, ["Sources"], bold=True)
    for source in meta["sources"] or ["non renseignées"]:
        _append(ws, [source])
    _fit_widths(ws)

    table = visit_table(plan).drop(columns="Conseiller")
    used = {"synthèse"}
    for advisor, name in advisors(plan):
        sheet = wb.create_sheet(_sheet_title(name, used))
        _append(sheet, list(table.columns), bold=True)
        for values in table[plan.visits["advisor"].to_numpy() == advisor].itertuples(index=False):
            _append(sheet, list(values))
        sheet.freeze_panes = "A2"
        sheet.auto_filter.ref = sheet.dimensions
        _fit_widths(sheet)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()

