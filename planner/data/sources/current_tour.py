"""The itinerant tour a coordinator already runs: a CSV or XLSX file, one row per session.

Each row names a place (``nom``), where it is (``latitude``/``longitude``, or
``code_insee`` alone: placed at that commune's town hall) and when a permanence is held
there, either as an OSM ``opening_hours`` text (``horaires``, as in the national schema
of lieux de médiation numérique, e.g. ``week 1-53/2 Tu 09:00-12:30,13:30-15:30``) or as
``jour``, ``debut``, ``fin`` and ``semaines`` (« toutes », « impaires », « paires », « une
sur quatre »). Optional: ``verrou``/``garder`` (true/false: keep this stop in any
proposal), ``conseiller`` (who holds it), ``adresse``. Column names go through aliases
(accents, case and punctuation ignored).

Rows that cannot be placed or timed are rejected and reported with their reason (the
good rows are kept); coordinates farther than :data:`planner.config.CURRENT_TOUR_FAR_KM`
from the commune of the row's INSEE code are moved to its town hall and reported. The
tours run on cycles of 1, 2 or 4 weeks: an OSM rhythm that is not one of them all year is
never read silently (:func:`rhythm`): the same step over part of the year, or once or
twice a month, is kept with a note (action « suspecte »: what was understood, what to
write instead); any other (every 3 weeks, a single week) rejects the row with the reason.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import opening_hours
import pandas as pd
import shapely

from planner import config
from planner.data import coords, hours
from planner.data.files import read_table
from planner.data.read import check_file, norm_name
from planner.data.schema import LoadReport
from planner.data.values import fix_code
from planner.errors import DataError
from planner.geo import CRS_WGS84

COLUMNS: dict[str, tuple[str, ...]] = {
    "name": ("nom", "name", "lieu", "nom_du_lieu", "libelle", "arret", "site", "nom_structure"),
    "insee": ("code_insee", "insee", "code_commune", "insee_com", "cog", "citycode"),
    "address": ("adresse", "address", "adresse_postale"),
    "latitude": ("latitude", "lat", "y"),
    "longitude": ("longitude", "lon", "lng", "long", "x"),
    "horaires": ("horaires", "opening_hours", "hours", "horaires_osm"),
    "jour": ("jour", "day", "jour_de_la_semaine", "weekday"),
    "debut": ("debut", "heure_debut", "heure_de_debut", "start", "de", "ouverture"),
    "fin": ("fin", "heure_fin", "heure_de_fin", "end", "a", "fermeture"),
    "semaines": ("semaines", "semaine", "weeks", "frequence", "periodicite", "rythme"),
    "locked": ("verrou", "garder", "verrouille", "a_garder", "conserver", "lock", "locked", "keep"),
    "advisor": ("conseiller", "conseillere", "advisor", "agent", "equipe", "vehicule", "bus"),
}

#: Columns of the sessions table :func:`load_current_tour` returns.
SESSION_COLUMNS = ("stop_id", "name", "insee", "address", "line", "locked", "advisor", "day", "start",
                   "end", "period", "offset", "approximate", "geometry")

_DAY_WORDS: dict[str, str] = {
    **{name: key for name, key in hours.DAY_NAMES.items()},
    **{key: key for key in hours.DAYS},
    **dict(zip(("mo", "tu", "we", "th", "fr", "sa", "su"), hours.DAYS)),
    **dict(zip(("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"), hours.DAYS)),
}
#: ``semaines`` texts → (weeks between two sessions, first week of the cycle, 0-based).
_WEEKS: dict[str, tuple[int, int]] = {
    "": (1, 0), "toutes": (1, 0), "tous": (1, 0), "chaque": (1, 0), "chaque_semaine": (1, 0),
    "toutes_les_semaines": (1, 0), "hebdomadaire": (1, 0), "weekly": (1, 0), "1": (1, 0),
    "impaires": (2, 0), "semaines_impaires": (2, 0), "impair": (2, 0), "a": (2, 0),
    "une_sur_deux": (2, 0), "1_sur_2": (2, 0), "bimensuelle": (2, 0), "quinzaine": (2, 0),
    "fortnightly": (2, 0), "paires": (2, 1), "semaines_paires": (2, 1), "pair": (2, 1), "b": (2, 1),
    "une_sur_quatre": (4, 0), "1_sur_4": (4, 0), "mensuelle": (4, 0), "fourweekly": (4, 0),
}
_TRUE = {"oui", "o", "vrai", "true", "1", "x", "yes", "y"}
_FALSE = {"non", "n", "faux", "false", "0", "no", ""}
_CLOCK = re.compile(r"^(\d{1,2})\s*[:hH]\s*(\d{2})?(?::\d{2})?$")
#: ``semaines`` texts of other rhythms (« une sur trois », « toutes les 3 semaines »): refused with the reason.
_OTHER_WEEKS = re.compile(r"^(?:une?|1)_sur_(\w+)$|^toutes_les_(\w+)_semaines$")
_NUMBERS = dict(zip(("deux", "trois", "quatre", "cinq", "six", "sept", "huit"), ("2", "3", "4", "5", "6", "7", "8")))
# ISO 2024 starts on Monday 1 January and has 52 weeks (a multiple of 4): its weeks tell every
# rhythm of 1, 2 or 4 weeks from those that run part of the year or on another step.
_YEAR_START = dt.datetime(2024, 1, 1)
_YEAR_WEEKS = 52
#: Supported rhythms (weeks between two sessions) in French.
RHYTHMS = {1: "chaque semaine", 2: "toutes les deux semaines", 4: "toutes les quatre semaines"}


def parse_clock(text: str | None) -> str:
    """Return ``"HH:MM"`` for ``9h``, ``9h30``, ``09:30`` or ``09:30:00``; ``ValueError`` (French) else."""
    match = _CLOCK.match(str(text or "").strip())
    if not match:
        raise ValueError(f"heure illisible « {text} » (attendu par exemple 09:30 ou 9h30)")
    h, m = int(match.group(1)), int(match.group(2) or 0)
    if not (0 <= h <= 24 and 0 <= m < 60) or (h == 24 and m):
        raise ValueError(f"heure impossible « {text} »")
    return f"{h:02d}:{m:02d}"


def parse_weeks(text: str | None) -> tuple[int, int]:
    """Return (weeks between two sessions, first week) for a ``semaines`` text; ``ValueError`` else."""
    key = norm_name(text or "")
    other = _OTHER_WEEKS.match(key)
    every = _NUMBERS.get(other.group(1) or other.group(2), other.group(1) or other.group(2)) if other else ""
    if key not in _WEEKS and every.isdigit() and int(every) not in RHYTHMS:
        raise ValueError(f"rythme « {text} » non pris en charge : les tournées suivent un cycle de 1, 2 ou "
                         "4 semaines (écrivez toutes, impaires, paires ou une sur quatre)")
    if key not in _WEEKS:
        raise ValueError(f"semaines illisibles « {text} » (attendu : toutes, impaires, paires ou une sur quatre)")
    return _WEEKS[key]


def parse_sessions(text: str) -> list[tuple[str, str, str, int, int]]:
    """Sessions of an OSM ``opening_hours`` text: ``(day, start, end, period, offset)`` each.

    See :func:`read_sessions` (this drops its notes).
    """
    return read_sessions(text)[0]


def _weeks_text(weeks: list[int]) -> str:
    """``semaines 2 à 10`` for weeks on one step, else ``semaines 1, 3, 6…`` (at most 6 listed)."""
    if len(weeks) > 2 and len(set(np.diff(weeks).tolist())) == 1:
        return f"semaines {weeks[0]} à {weeks[-1]}"
    listed = ", ".join(str(w) for w in weeks[:6])
    return ("semaine " if len(weeks) == 1 else "semaines ") + listed + ("…" if len(weeks) > 6 else "")


def rhythm(weeks: set[int]) -> tuple[int, int, str | None]:
    """The rhythm of a session held in these ISO weeks (1 .. 52) of a year.

    Returns ``(period, offset, note)``: a rhythm of 1, 2 or 4 weeks the whole year
    (weeks ``w`` with ``(w - 1) % period == offset``) gives no note; the same step over part
    of the year (``week 2-10``, ``Jan-Jun``), or once or twice a month (``Tu[1]``: gaps of 4
    or 5 weeks, read as every 4 weeks; ``Tu[1,3]``: 2 or 3, every 2 weeks), is kept with a
    French note saying what was understood and what to write instead.

    Raises
    ------
    ValueError
        For any other rhythm (every 3 weeks, a single week, irregular weeks), in French.
    """
    ws = sorted(weeks)
    first, n = ws[0], len(ws)
    for period in RHYTHMS:
        if ws == list(range(first, _YEAR_WEEKS + 1, period)) and first <= period:
            return period, first - 1, None
    gaps = set(np.diff(ws).tolist())
    count = f"{n} séance{'s' if n > 1 else ''} par an"
    if len(gaps) == 1 and min(gaps) in RHYTHMS:
        period = min(gaps)
        return period, (first - 1) % period, (
            f"séances {RHYTHMS[period]} des {_weeks_text(ws)} seulement ({count}) : comptées {RHYTHMS[period]} "
            "toute l'année, la comparaison vaut pour la période où elles ont lieu ; si la permanence a lieu "
            "toute l'année, " + (f"écrivez « week 1-53/{period} … »" if period > 1 else
                                 "retirez la plage de semaines ou de mois"))
    for period in (2, 4):  # twice or once a month (« Tu[1,3] », « Tu[1] »): gaps of p or p + 1 weeks
        if gaps == {period, period + 1} and n >= 40 // period:  # a steady step of 3 or 5 weeks is refused
            return period, (first - 1) % period, (
                f"séances à intervalles de {period} ou {period + 1} semaines ({count}, {_weeks_text(ws)}) : "
                f"comptées {RHYTHMS[period]} ({_YEAR_WEEKS // period} par an) ; écrivez « week 1-53/{period} … » "
                "pour lever l'approximation")
    step = f", toutes les {min(gaps)} semaines" if len(gaps) == 1 else ""
    raise ValueError(f"rythme non pris en charge ({count}, {_weeks_text(ws)}{step}) : les tournées suivent un "
                     "cycle de 1, 2 ou 4 semaines ; écrivez la permanence chaque semaine, toutes les deux "
                     "(« week 1-53/2 ») ou toutes les quatre semaines (« week 1-53/4 »)")


def read_sessions(text: str) -> tuple[list[tuple[str, str, str, int, int]], list[str]]:
    """Sessions of an OSM ``opening_hours`` text, and French notes on rhythms read approximately.

    The rules are evaluated over the 52 ISO weeks of 2024; each (day, start, end) gets the
    rhythm of the weeks it is open in (:func:`rhythm`): period 1, 2 or 4 weeks and its
    offset (the first week of the cycle, 0-based from ISO week 1: ``week 1-53/2`` offset 0,
    ``week 2-52/2`` offset 1).

    Raises
    ------
    ValueError
        When the text is not a valid OSM expression, opens at no time or on a rhythm
        the tours cannot hold (French).
    """
    try:
        rules = opening_hours.OpeningHours(str(text).strip())
    except Exception as exc:  # the library raises its own ParserError
        raise ValueError(f"horaires OSM illisibles « {text} »") from exc
    seen: dict[tuple[str, str, str], set[int]] = {}
    end = _YEAR_START + dt.timedelta(weeks=_YEAR_WEEKS)
    for start, stop, state, _ in rules.intervals(_YEAR_START, end):
        if state != opening_hours.State.OPEN or (stop.date() != start.date() and stop.time() != dt.time()):
            continue
        close = "24:00" if stop.time() == dt.time() and stop.date() != start.date() else stop.strftime("%H:%M")
        day = hours.DAYS[start.weekday()]
        seen.setdefault((day, start.strftime("%H:%M"), close), set()).add((start - _YEAR_START).days // 7 + 1)
    if not seen:
        raise ValueError(f"horaires sans aucune plage d'ouverture « {text} »")
    out, notes = [], []
    for (day, opens, closes), weeks in sorted(seen.items(), key=lambda kv: (hours.DAYS.index(kv[0][0]), kv[0][1])):
        try:
            period, offset, note = rhythm(weeks)
        except ValueError as exc:
            raise ValueError(f"{hours.DAY_LABELS[day]} {opens}–{closes} : {exc}") from None
        out.append((day, opens, closes, period, offset))
        if note:
            notes.append(f"{hours.DAY_LABELS[day]} {opens}–{closes} : {note}")
    return out, notes


def _row_sessions(row: pd.Series) -> tuple[list[tuple[str, str, str, int, int]], list[str]]:
    """The sessions of one row, from ``horaires`` or ``jour``/``debut``/``fin``/``semaines``, and notes."""
    text = row.get("horaires")
    if isinstance(text, str) and text.strip():
        return read_sessions(text)
    day_text = row.get("jour")
    if not isinstance(day_text, str) or not day_text.strip():
        raise ValueError("ni horaires ni jour de la permanence")
    day = _DAY_WORDS.get(norm_name(day_text).rstrip("s"), _DAY_WORDS.get(norm_name(day_text)))
    if day is None:
        raise ValueError(f"jour illisible « {day_text} » (attendu : lundi … dimanche)")
    start, end = parse_clock(row.get("debut")), parse_clock(row.get("fin"))
    if hours.minutes(end) <= hours.minutes(start):
        raise ValueError(f"la fin ({end}) ne suit pas le début ({start})")
    period, offset = parse_weeks(row.get("semaines") if isinstance(row.get("semaines"), str) else "")
    return [(day, start, end, period, offset)], []


def _locked(value: object, line: int, column: str, report: LoadReport) -> bool:
    key = norm_name(value) if isinstance(value, str) else ""
    if key in _TRUE:
        return True
    if key not in _FALSE:
        report.add([line], column, f"verrou illisible « {value} » : arrêt non verrouillé", "corrigée")
    return False


def _positions(raw: pd.DataFrame, lines: np.ndarray, names: dict[str, str], communes: gpd.GeoDataFrame,
               report: LoadReport, path: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray, pd.Series]:
    """Point, approximate flag, placed flag and INSEE code of each row (reported when repaired)."""
    n = len(raw)
    none = pd.Series([None] * n, dtype="str")
    lat, lon, status = coords.parse_coordinates(raw.get("latitude", none), raw.get("longitude", none))
    insee = fix_code(raw.get("insee", none)).reset_index(drop=True)
    table = communes.set_index("insee")
    known = insee.isin(table.index).to_numpy()
    col = names.get("latitude", "latitude")
    for i in np.flatnonzero(status == coords.COORD_SWAPPED):
        report.add([lines[i]], col, "latitude et longitude inversées : remises dans l'ordre", "corrigée")
    points = shapely.points(np.where(np.isfinite(lon), lon, 0), np.where(np.isfinite(lat), lat, 0)).astype(object)
    good = np.isin(status, [coords.COORD_OK, coords.COORD_SWAPPED])
    points[~good] = None
    town_halls = np.array([table.at[c, "town_hall"] if k else None for c, k in zip(insee, known)], dtype=object)
    areas = np.array([table.at[c, "geometry"] if k else None for c, k in zip(insee, known)], dtype=object)
    far = np.zeros(n, dtype=bool)
    check = good & known
    if check.any():
        far[check] = coords.metric_distance(points[check], areas[check]) > config.CURRENT_TOUR_FAR_KM * 1000
    for i in np.flatnonzero(far):
        report.add([lines[i]], col, f"coordonnées à plus de {config.CURRENT_TOUR_FAR_KM:g} km de la commune "
                   f"{insee.iloc[i]} : arrêt placé à sa mairie", "corrigée")
    for i in np.flatnonzero(~good & (status != coords.COORD_MISSING)):
        report.add([lines[i]], col, f"coordonnées {status[i]} : ignorées", "corrigée")
    at_hall = (~good | far) & known
    for i in np.flatnonzero(at_hall & ~far):
        report.add([lines[i]], names.get("insee", "code_insee"),
                   f"sans coordonnées : arrêt placé à la mairie de {insee.iloc[i]} (position approximative)", "corrigée")
    points[at_hall] = town_halls[at_hall]
    if "insee" not in raw and not good.any():
        raise DataError("ni coordonnées (latitude/longitude) ni code INSEE : impossible de placer les arrêts",
                        file=path, column="latitude",
                        hint="ajoutez les colonnes « latitude » et « longitude », ou « code_insee »")
    placed = good | at_hall
    return points, at_hall, placed, insee.where(known)


def load_current_tour(path: str | Path, communes: gpd.GeoDataFrame) -> tuple[gpd.GeoDataFrame, LoadReport]:
    """Read a current tour file into one row per session.

    Parameters
    ----------
    path
        A CSV (``;``, ``,`` or tab) or XLSX file, one row per session (see the module docstring).
    communes
        The communes (``insee``, ``geometry``, ``town_hall``), e.g. ``Territory.communes``.

    Returns
    -------
    The sessions (:data:`SESSION_COLUMNS`: ``stop_id`` ``tour:<line>``, ``line`` the file's
    line, ``day`` ``lun`` .. ``dim``, ``start``/``end`` ``HH:MM``, ``period`` 1, 2 or 4
    weeks, ``offset`` the first week of the cycle, ``locked``...) in EPSG:4326, and the
    load report (rejected rows with their reason; repaired ones).

    Raises
    ------
    DataError
        For an unreadable file, no column to place or time the sessions, or no usable row
        (French, naming the file, line and column).
    """
    path = check_file(path)
    report = LoadReport(layer="current_tour", file=str(path), source=f"tournée actuelle « {path.name} »",
                        vintage=dt.date.fromtimestamp(path.stat().st_mtime).isoformat(),
                        licence="fourni par l'utilisateur")
    raw, lines = read_table(path, COLUMNS, (), report, formats=("xlsx",))
    raw = raw.reset_index(drop=True)
    names = raw.attrs["columns"]
    report.rows_read = raw.attrs["rows_read"]
    if "horaires" not in raw and "jour" not in raw:
        raise DataError("ni colonne « horaires » (OSM) ni colonne « jour » : impossible de savoir quand "
                        "les permanences ont lieu", file=path, column="horaires",
                        hint="ajoutez « horaires » (par exemple « week 1-53/2 Tu 09:00-12:30 ») ou "
                        "« jour », « debut », « fin » et « semaines »")
    points, approximate, placed, insee = _positions(raw, lines, names, communes, report, path)
    rows = []
    for i, row in raw.iterrows():
        line = int(lines[i])
        if not placed[i]:
            report.add([line], names.get("insee", names.get("latitude", "code_insee")),
                       "arrêt impossible à placer : ni coordonnées valables ni code INSEE connu", "rejetée")
            continue
        osm = isinstance(row.get("horaires"), str) and bool(row.get("horaires").strip())
        column = names.get("horaires", "horaires") if osm else names.get("jour", "jour")
        try:
            sessions, notes = _row_sessions(row)
        except ValueError as exc:
            if not osm and str(exc).startswith(("semaines", "rythme")):
                column = names.get("semaines", "semaines")
            report.add([line], column, f"{exc} : ligne écartée", "rejetée")
            continue
        for note in notes:  # kept, with what was understood and what to write instead
            report.add([line], column, note, "suspecte")
        name = row.get("name") if isinstance(row.get("name"), str) else f"Arrêt ligne {line}"
        locked = _locked(row.get("locked"), line, names.get("locked", "verrou"), report)
        advisor = row.get("advisor") if isinstance(row.get("advisor"), str) else None
        for day, start, end, period, offset in sessions:
            rows.append({"stop_id": f"tour:{line}", "name": name, "insee": insee.iloc[i], "address": row.get("address"),
                         "line": line, "locked": locked, "advisor": advisor, "day": day, "start": start,
                         "end": end, "period": period, "offset": offset, "approximate": bool(approximate[i]),
                         "geometry": points[i]})
    if not rows:
        first = report.rejected[0] if report.rejected else None
        raise DataError("aucune ligne utilisable dans la tournée" + (f" ({first.reason})" if first else ""),
                        file=path, row=first.row if first else None, column=first.column if first else None,
                        hint="chaque ligne doit donner un lieu (coordonnées ou code INSEE) et un horaire")
    sessions = gpd.GeoDataFrame(pd.DataFrame(rows, columns=list(SESSION_COLUMNS)), geometry="geometry", crs=CRS_WGS84)
    report.rows_kept = int(sessions["line"].nunique())
    return sessions, report
