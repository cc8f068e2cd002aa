"""A layer's files whatever their format (planner.data.files), on MADE-UP files: JSON
records, GeoJSON features, XLSX sheets and the row counts of ``planner data status``."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from planner.data import files
from planner.errors import DataError

ALIASES = {"id": ("identifiant",), "name": ("nom",), "latitude": ("lat",), "longitude": ("lon",)}


def test_json_records_and_geojson_points(tmp_path: Path) -> None:
    plain = tmp_path / "lieux.json"
    plain.write_text(json.dumps({"data": [{"id": 1, "nom": " A ", "lat": 41.9},
                                          {"id": 2, "nom": None, "lat": "42,1"}]}), "utf-8")
    frame, rows = files.read_json_records(plain, ALIASES, ["id"])
    assert frame["id"].tolist() == ["1", "2"] and frame["latitude"].tolist() == ["41.9", "42,1"]
    assert frame["name"].iloc[0] == "A" and pd.isna(frame["name"].iloc[1])
    assert rows.tolist() == [1, 2] and frame.attrs["rows_read"] == 2
    geo = tmp_path / "sites.geojson"
    geo.write_text(json.dumps({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"id": "a"},
         "geometry": {"type": "Point", "coordinates": [8.7, 41.9]}}]}), "utf-8")
    frame, _ = files.read_json_records(geo, ALIASES, ["id", "latitude"])
    assert frame.iloc[0].tolist() == ["a", "41.9", "8.7"]


@pytest.mark.parametrize(("text", "message"), [
    ("[{", "fichier JSON tronqué : il s'arrête ligne 1"),
    ('[{"a" 1}]', r"JSON invalide \(ligne 1, colonne 7\) : deux-points attendu"),
    ('{"a": 1}', "pas une liste d'enregistrements"),
    ("[]", "aucun enregistrement"),
])
def test_unusable_json_is_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(text, "utf-8")
    with pytest.raises(DataError, match=message):
        files.read_json_list(path)


def test_count_rows_of_each_format(tmp_path: Path) -> None:
    (tmp_path / "l.json").write_text(json.dumps([{"a": 1}, {"a": 2}, {"a": 3}]), "utf-8")
    (tmp_path / "g.geojson").write_text(
        json.dumps({"type": "FeatureCollection", "features": [{}] * 4}), "utf-8")
    (tmp_path / "t.csv").write_text('id;nom\n1;"a\nb"\n2;c;d\n', "utf-8")
    (tmp_path / "r.graphml.gz").write_bytes(b"\x1f\x8b")
    pd.DataFrame({"nom": ["A", "B"], "lat": [41.9, 42.0]}).to_excel(tmp_path / "s.xlsx",
                                                                     index=False)
    assert files.count_rows(tmp_path / "l.json") == 3
    assert files.count_rows(tmp_path / "g.geojson") == 4
    # a quoted line break is one row; a malformed line is read (then rejected) by the loaders
    assert files.count_rows(tmp_path / "t.csv") == 2
    assert files.count_rows(tmp_path / "s.xlsx") == 2
    assert files.count_rows(tmp_path / "r.graphml.gz") is None


def test_count_rows_of_headerless_files(tmp_path: Path) -> None:
    (tmp_path / "headers.csv").write_text("\ufeffCode Iris;Nom;Score\n", "utf-8")
    (tmp_path / "2A.csv").write_text("1;A;100\n2;B\n\n3;C;99\n", "utf-8")
    assert files.count_rows(tmp_path / "2A.csv") == 3  # blank line not counted
    (tmp_path / "2B.csv").write_text("1,A,100\n", "utf-8")
    with pytest.raises(DataError, match="séparateur n'est pas « ; »"):
        files.count_rows(tmp_path / "2B.csv")


@pytest.mark.parametrize(("text", "message"), [
    ("id|nom\n1|A\n", "séparateur non reconnu"),
    ("id;nom\n", "en-tête seul"),
])
def test_count_rows_refuses_what_the_loaders_refuse(tmp_path: Path, text: str,
                                                   message: str) -> None:
    path = tmp_path / "x.csv"
    path.write_text(text, "utf-8")
    with pytest.raises(DataError, match=message):
        files.count_rows(path)
