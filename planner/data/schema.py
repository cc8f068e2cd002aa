"""Canonical tables (communes, sites) and the load report.

Every loader returns a GeoDataFrame with the columns below, in EPSG:4326, plus a
:class:`LoadReport` saying what was read, kept, repaired and rejected. Bad input
raises :class:`planner.errors.DataError`, whose French message names the file, the row and the
column, and says what to do.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

import geopandas as gpd
import pandas as pd

#: Networks, in display order, with their French label and map colour.
NETWORKS: dict[str, tuple[str, str]] = {
    "la_poste": ("La Poste", "#c99700"),
    "france_services": ("France Services", "#000091"),
    "conseiller_numerique": ("Conseillers numériques", "#6a1b9a"),
    "mediation_numerique": ("Lieux de médiation numérique", "#00838f"),
    "aidants_connect": ("Aidants Connect", "#1e88e5"),
    "croix_rouge": ("Croix-Rouge française", "#d32f2f"),
    "emmaus_connect": ("Emmaüs Connect", "#2e7d32"),
    "groupe_sos": ("Groupe SOS", "#ef6c00"),
    "reconnect": ("Reconnect", "#5d4037"),
    "town_hall": ("Mairies", "#546e7a"),
    "custom": ("Sites ajoutés", "#ad1457"),
}

#: Columns of the canonical site table, in order. ``phone``: the public number the source
#: gives (empty when it gives none). ``advisors``: the number of people who
#: help the public there where the source gives it (conseillers numériques of a host
#: structure, aidants of an Aidants Connect structure), else missing (float, NaN).
SITE_COLUMNS: tuple[str, ...] = (
    "site_id",
    "name",
    "network",
    "kind",
    "address",
    "phone",
    "postcode",
    "insee",
    "opening_hours",
    "advisors",
    "source",
    "vintage",
    "approximate",
    "suspect",
    "geometry",
)

#: Columns of the canonical commune table, in order.
COMMUNE_COLUMNS: tuple[str, ...] = (
    "insee",
    "name",
    "departement",
    "region",
    "epci",
    "epci_name",
    "population",
    "town_hall",
    "town_hall_approximate",
    "town_hall_hours",
    "geometry",
)


@dataclass
class RowIssue:
    """One rejected or repaired row of a source file."""

    row: int
    column: str
    reason: str
    action: str  # "rejetée" or "corrigée" or "suspecte"

    def as_dict(self) -> dict[str, Any]:
        """Return the issue as a plain dict (French keys, for tables)."""
        return {"ligne": self.row, "colonne": self.column, "motif": self.reason, "action": self.action}


@dataclass
class LoadReport:
    """What a loader read, kept, repaired and rejected."""

    layer: str
    file: str
    source: str
    vintage: str
    licence: str
    rows_read: int = 0
    rows_kept: int = 0
    issues: list[RowIssue] = field(default_factory=list)

    @property
    def rejected(self) -> list[RowIssue]:
        """Rows that were dropped."""
        return [i for i in self.issues if i.action == "rejetée"]

    @property
    def suspect(self) -> list[RowIssue]:
        """Rows that were kept but moved or flagged."""
        return [i for i in self.issues if i.action != "rejetée"]

    def add(self, rows: pd.Index | list[int], column: str, reason: str, action: str) -> None:
        """Record the same issue for several 1-based rows."""
        self.issues.extend(RowIssue(int(r), column, reason, action) for r in rows)

    def summary(self, examples: int = 5) -> dict[str, Any]:
        """Return counts and a few examples, for JSON output and the app."""
        return {
            "file": self.file,
            "rows_read": self.rows_read,
            "rows_kept": self.rows_kept,
            "rejected": len(self.rejected),
            "suspect": len(self.suspect),
            "examples": [i.as_dict() for i in self.issues[:examples]],
        }

    def to_json(self) -> str:
        """Serialise the report (for the cache)."""
        return json.dumps(asdict(self), ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> LoadReport:
        """Inverse of :meth:`to_json`."""
        data = json.loads(text)
        data["issues"] = [RowIssue(**i) for i in data["issues"]]
        return cls(**data)

    def as_frame(self) -> pd.DataFrame:
        """Return every issue as a table (French headers)."""
        return pd.DataFrame(
            [i.as_dict() for i in self.issues], columns=["ligne", "colonne", "motif", "action"]
        )


def empty_sites() -> gpd.GeoDataFrame:
    """Return an empty canonical site table."""
    cols = {c: pd.Series(dtype="object") for c in SITE_COLUMNS if c != "geometry"}
    return gpd.GeoDataFrame(cols, geometry=gpd.GeoSeries([], crs="EPSG:4326"), crs="EPSG:4326")
