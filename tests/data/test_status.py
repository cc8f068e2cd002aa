"""``planner data status`` (planner.data.status): rows counted by the loaders' own reader."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from planner import config, fr
from planner.cli import app
from planner.data import catalog, fetch, status
from planner.data.sites import load_layer
from planner.outputs.text.data import render_status
from tests.conftest import has_snapshots

LAPOSTE = "laposte/laposte_poincont2_2020.csv"
#: Rows of the real La Poste export read: the national snapshot, or the bundle's extract.
LAPOSTE_ROWS = 17_716 if has_snapshots() else 194


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


SNAPSHOT_ROWS = {
    "la_poste": 17_716,
    "france_services": 2_845,
    "conseiller_numerique": 4_930,
    "conseiller_numerique_structures": 1_450 + 2_889,  # the 2021 JSON and the 2023 CSV
    "mediation_numerique": 188 + 646,
    "croix_rouge": 1_921,
    "croix_rouge_aide_alimentaire": 829,
    "partners": 76 + 68,
    "ifn_iris": 260 + 262 + 147 + 254 + 156,  # header-less files (headers.csv beside them)
    "ifn_scores": 48_914,
    "filosofi": 34_932 + 1_244 + 98,
    "densite": 34_955,
    "comparateur": 36_208,
    "aav": 34_945,
    "roads": None,  # road graphs are not tables
    "aidants_connect": 5_227,
    "ifn_2023_communes": 35_008,
    "ifn_2023_epci": 1_255,
    "activity_departements": 101,
    "activity_postcodes": 4_812,
}

#: The keys every layer of ``planner data status --json`` has, in this order.
STATUS_KEYS = ["name", "present", "rows", "vintage", "source", "licence", "url", "how"]


def test_status_counts_the_rows_of_every_snapshot_layer(real_data: Path) -> None:
    statuses = {s.layer: s for s in status.status(real_data)}
    assert list(statuses) == list(catalog.layers())
    assert {name: s.rows for name, s in statuses.items()} == SNAPSHOT_ROWS
    assert all(s.found and not s.unreadable for s in statuses.values())
    assert statuses["la_poste"].files == [LAPOSTE]
    assert "indicators/ifn_2020/iris/headers.csv" not in statuses["ifn_iris"].files
    assert len(statuses["ifn_iris"].files) == 5
    assert statuses["france_services"].vintage == "2024-08"
    assert statuses["roads"].licence == "ODbL"


def test_status_of_an_empty_folder_says_absent(data: Path) -> None:
    report = status.status_report(data)
    assert report["found"] == 0
    assert report["absent"] == list(catalog.layers())
    assert all(s["rows"] is None and s["files"] == [] and not s["present"]
               for s in report["layers"])
    text = render_status(report)
    assert text.splitlines()[1].split() == [
        "Couche",
        "Dossier",
        "Fichier(s)",
        "Lignes",
        "Millésime",
        "Source",
        "Licence",
    ]
    assert "absent (laposte/*.csv)" in text
    assert f"0 couche présente sur {len(catalog.layers())}" in text
    # what will actually get each absent layer: the fetch command only where fetch can
    assert "- la_poste : téléchargez-la : planner data fetch --layers la_poste" in text
    croix_rouge = next(line for line in text.splitlines() if line.startswith("- croix_rouge :"))
    assert "planner data fetch" not in croix_rouge and "page Données" in croix_rouge


def test_status_shows_a_fetched_layer_with_its_download_date(
    snapshot_server: str, data: Path
) -> None:
    fetch.fetch(
        ["la_poste"],
        root=data,
        urls={"la_poste": f"{snapshot_server}/{LAPOSTE}"},
        progressbar=False,
    )
    report = status.status_report(data)
    layers = {s["name"]: s for s in report["layers"]}
    la_poste = layers["la_poste"]
    assert la_poste["rows"] == LAPOSTE_ROWS
    assert la_poste["files"] == ["laposte/laposte_poincont2_latest.csv"]
    assert la_poste["fetched"]["sha256"] == _sha(data / "laposte" / "laposte_poincont2_latest.csv")
    assert layers["france_services"]["fetched"] is None
    date = la_poste["fetched"]["date"][:10]
    assert f"téléchargé le {fr.vintage(date)}" in render_status(report)
    assert fr.integer(LAPOSTE_ROWS) in render_status(report)


def test_cli_status_json_is_one_object(real_data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PLANNER_DATA_DIR", str(real_data))
    result = CliRunner().invoke(app, ["data", "status", "--json"])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["data_dir"] == str(real_data)
    assert isinstance(payload["layers"], list)
    assert [s["name"] for s in payload["layers"]] == list(catalog.layers())
    for layer in payload["layers"]:
        assert list(layer)[:8] == STATUS_KEYS, layer["name"]
        assert layer["url"] or layer["how"], layer["name"]  # a source for every layer
        assert layer["present"] is True
    by_name = {s["name"]: s for s in payload["layers"]}
    assert by_name["la_poste"]["rows"] == 17_716
    assert by_name["comparateur"]["rows"] == 36_208
    assert by_name["la_poste"]["url"].startswith("https://")
    assert by_name["la_poste"]["source"] == "La Poste"
    assert by_name["la_poste"]["licence"] == "Licence Ouverte 2.0"
    assert by_name["ifn_iris"]["url"] is None and "fragilite-numerique.fr" in by_name["ifn_iris"]["how"]
    assert by_name["comparateur"]["url"].startswith("https://www.insee.fr/")
    assert by_name["france_services"]["vintage"] == "2024-08"


def test_status_json_of_an_empty_folder_gives_a_source_for_every_layer(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data.mkdir()
    monkeypatch.setenv("PLANNER_DATA_DIR", str(data))
    result = CliRunner().invoke(app, ["data", "status", "--json"])
    assert result.exit_code == 0, result.output
    layers = json.loads(result.stdout)["layers"]
    assert len(layers) == len(catalog.layers())
    assert all(not s["present"] and s["rows"] is None and (s["url"] or s["how"]) for s in layers)


def test_status_counts_the_rows_the_loader_reads(corsica_data: Path) -> None:
    """The same reader: status counts exactly the loader's rows_read, layer by layer
    (on the bundle, the layers it holds: no partner or lieu de médiation in Corsica)."""
    statuses = {s.layer: s for s in status.status(corsica_data)}
    names = [n for n in ("la_poste", "france_services", "conseiller_numerique", "croix_rouge",
                         "partners", "mediation_numerique") if statuses[n].files]
    assert len(names) >= 4
    for name in names:
        assert statuses[name].rows == load_layer(name)[1].rows_read, name


def test_status_lists_a_file_the_loader_refuses_as_unreadable(corsica_data: Path,
                                                             tmp_path: Path) -> None:
    """MADE-UP data folder: a La Poste export saved with « | » is refused by the loader,
    so status does not count its rows."""
    folder = tmp_path / "laposte"
    folder.mkdir()
    text = (corsica_data / LAPOSTE).read_bytes().decode("latin-1").splitlines()[:4]
    (folder / "laposte_pipe.csv").write_text("\n".join(line.replace(";", "|") for line in text),
                                            "utf-8")
    shutil.copy(corsica_data / LAPOSTE, folder / "laposte_2020.csv")
    la_poste = {s.layer: s for s in status.status(tmp_path)}["la_poste"]
    assert la_poste.unreadable == ["laposte/laposte_pipe.csv"]
    assert la_poste.rows == LAPOSTE_ROWS  # the readable file only
    report = status.status_report(tmp_path)
    assert f"{fr.integer(LAPOSTE_ROWS)} (1 illisible)" in render_status(report)



def test_status_table_shows_the_folder_of_each_layer(monkeypatch: pytest.MonkeyPatch,
                                                     tmp_path: Path) -> None:
    """An empty data folder with the demo bundle behind it: every layer the bundle holds
    is shown as read from « lot démo », whose path the legend gives; JSON keeps ``folder``."""
    bundle = config.BUNDLE_DIR
    if not (bundle / "manifest.json").is_file():
        pytest.skip("lot de démonstration geodata/demo/ absent de ce dépôt")
    data = tmp_path / "data"
    (data / "laposte").mkdir(parents=True)
    (data / "laposte" / "laposte_2020.csv").write_bytes((bundle / LAPOSTE).read_bytes())
    monkeypatch.setenv("PLANNER_DATA_DIR", str(data))
    monkeypatch.setenv("PLANNER_BUNDLE_DIR", str(bundle))
    report = status.status_report()
    layers = {s["name"]: s for s in report["layers"]}
    assert layers["la_poste"]["folder"] == str(data)
    assert layers["france_services"]["folder"] == str(bundle)
    assert layers["partners"]["folder"] is None  # no partner in Corsica
    rows = {line.split()[0]: line.split()[1:3] for line in render_status(report).splitlines()[3:]
            if line and not line.startswith(("Dossier", "-"))}
    assert rows["la_poste"] == ["données", "laposte/laposte_2020.csv"]
    assert rows["france_services"] == ["lot", "démo"]
    assert rows["partners"][0] == "—"
    assert f"Dossier « lot démo » : {bundle}" in render_status(report)
    assert list(layers["la_poste"])[:8] == STATUS_KEYS


def _bundle_layers() -> list[str]:
    manifest = catalog.bundle_manifest(config.BUNDLE_DIR) or {}
    return [n for n, e in manifest.get("layers", {}).items() if e.get("rows")]


@pytest.mark.parametrize("name", _bundle_layers())
def test_status_of_the_shipped_bundle_counts_the_rows_it_was_built_with(name: str) -> None:
    """The demo bundle shipped in the repository (geodata/demo/, whatever the data folder):
    ``planner data status`` counts, with the loaders' reader, exactly the rows
    ``planner data bundle`` wrote into each layer's files (manifest.json)."""
    entry = catalog.bundle_manifest(config.BUNDLE_DIR)["layers"][name]
    layer = {s.layer: s for s in status.status(config.BUNDLE_DIR)}[name]
    written = [f["path"] for f in entry["files"] if f.get("rows") is not None]
    assert set(written) <= set(layer.files) and not layer.unreadable
    assert layer.rows == entry["rows"] == sum(f["rows"] for f in entry["files"] if f.get("rows"))
