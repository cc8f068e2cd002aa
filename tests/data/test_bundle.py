"""The demo bundle (``geodata/demo/``) and the data-folder resolution around it.

- the bundle shipped with the checkout: every file is the one its manifest names
  (size, sha256), at most 6 MiB and no file over 1 MiB (the IFN IRIS CSVs
  gzip-compressed), its sources as the catalogue has them now, with a licence file
  naming each source;
- built from the real snapshots, it holds their rows, byte for byte, in their format
  (gzip for CSVs over 256 KiB), gives the same bytes when built again, and the loaders
  read it to the same counts and the same coverage;
- the resolution: ``PLANNER_DATA_DIR``, else the per-user folder, the bundle behind it.

Made-up inputs are labelled as such; the rest runs on the real snapshots.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from planner import config
from planner.data import bundle, bundle_rows, catalog, fetch
from planner.data.cache import clear_memory_cache
from planner.errors import DataError

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "geodata" / "demo"
OSM = "© les contributeurs d'OpenStreetMap"


def _manifest() -> dict:
    return json.loads((DEMO / config.BUNDLE_MANIFEST).read_text("utf-8"))


@pytest.fixture
def on_bundle(monkeypatch, tmp_path):
    """Read as on a fresh clone: no PLANNER_DATA_DIR, an empty per-user folder, the bundle."""
    monkeypatch.delenv("PLANNER_DATA_DIR", raising=False)
    monkeypatch.delenv("PLANNER_BUNDLE_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "user-data"))
    clear_memory_cache()
    yield DEMO
    clear_memory_cache()


# ----------------------------------------------------------------------------- shipped bundle


def test_shipped_bundle_matches_its_manifest_and_stays_under_6_mib() -> None:
    manifest = _manifest()
    assert manifest["territory"] == "2A,2B" and manifest["communes"] == 360
    assert manifest["departements"] == ["2A", "2B"]
    assert len(manifest["insee"]) == 360 and "2A004" in manifest["insee"]
    listed = {f["path"]: f for e in manifest["layers"].values() for f in e["files"]}
    on_disk = {p.relative_to(DEMO).as_posix() for p in DEMO.rglob("*") if p.is_file()}
    assert on_disk == {*listed, config.BUNDLE_MANIFEST, bundle.LICENCE_FILE}
    for path, entry in listed.items():
        data = (DEMO / path).read_bytes()
        assert len(data) == entry["bytes"], path
        assert hashlib.sha256(data).hexdigest() == entry["sha256"], path
    total = sum((DEMO / p).stat().st_size for p in on_disk)
    assert total == manifest["bytes"] <= 6 * 1024 * 1024
    # every layer of the catalogue is accounted for (written, or no row in Corsica)
    assert set(manifest["layers"]) == set(catalog.layers())
    assert manifest["layers"]["la_poste"]["rows"] == 194
    assert manifest["layers"]["roads"]["files"][0]["path"] == "roads/2a_2b.roads.npz"
    # small enough to clone: the IRIS polygons compressed, the road graph packed
    assert max(f["bytes"] for f in listed.values()) < 1024 * 1024
    iris = [f["path"] for f in manifest["layers"]["ifn_iris"]["files"]]
    assert iris == ["indicators/ifn_2020/iris/headers.csv", "indicators/ifn_2020/iris/2A.csv.gz",
                    "indicators/ifn_2020/iris/2B.csv.gz"]


def test_shipped_bundle_names_the_sources_of_the_catalogue() -> None:
    """Rebuilt whenever the catalogue changes: each layer's title, source, vintage,
    licence, attribution and URL are the catalogue's (a stale Filosofi URL was shipped)."""
    for name, entry in _manifest()["layers"].items():
        layer = catalog.layer(name)
        for key in ("title", "source", "vintage", "licence", "attribution", "url"):
            assert entry[key] == getattr(layer, key), (name, key)


def test_licence_names_each_source_vintage_and_licence() -> None:
    text = (DEMO / bundle.LICENCE_FILE).read_text("utf-8")
    for name, entry in _manifest()["layers"].items():
        if entry["files"]:
            row = next(line for line in text.splitlines() if f"(`{name}`)" in line)
            assert entry["source"] in row and entry["vintage"] in row, row
            assert entry["licence"] in row or (entry["licence"] == "ODbL" and "ODbL" in row), row
    assert "Licence Ouverte 2.0" in text and "ODbL" in text and OSM in text


def test_bundle_is_tracked_by_git_and_the_rest_of_geodata_is_not() -> None:
    def ignored(path: str) -> bool:
        done = subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT)
        return done.returncode == 0

    assert not ignored("geodata/demo/manifest.json")
    assert not ignored("geodata/demo/roads/2a_2b.roads.npz")
    assert not ignored("geodata/demo/indicators/ifn_2020/iris/2A.csv.gz")
    assert ignored("geodata/cache/x.parquet") and ignored("geodata/laposte/x.csv")


# ----------------------------------------------------------------------------- resolution


def test_data_folder_resolution(monkeypatch, tmp_path) -> None:
    """PLANNER_DATA_DIR if set (no fallback); else the per-user folder with the bundle behind."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    monkeypatch.delenv("PLANNER_BUNDLE_DIR", raising=False)
    monkeypatch.delenv("PLANNER_DATA_DIR", raising=False)
    assert config.data_dir() == tmp_path / "xdg" / "planner"
    assert config.bundle_dir() == DEMO
    assert config.data_dirs() == [tmp_path / "xdg" / "planner", DEMO]
    monkeypatch.setenv("PLANNER_DATA_DIR", str(tmp_path / "mine"))
    assert config.data_dirs() == [tmp_path / "mine"]
    monkeypatch.setenv("PLANNER_BUNDLE_DIR", str(DEMO))
    assert config.data_dirs() == [tmp_path / "mine", DEMO]
    monkeypatch.setenv("PLANNER_BUNDLE_DIR", "")
    monkeypatch.delenv("PLANNER_DATA_DIR")
    assert config.data_dirs() == [tmp_path / "xdg" / "planner"]


def test_a_layer_in_the_data_folder_wins_over_the_bundle(on_bundle, tmp_path) -> None:
    """MADE-UP La Poste file in the per-user folder: read from there; the others from the bundle."""
    user = config.data_dir()
    (user / "laposte").mkdir(parents=True)
    shutil.copyfile(DEMO / "laposte" / "laposte_poincont2_2020.csv", user / "laposte" / "mine.csv")
    poste, fs = catalog.layer("la_poste"), catalog.layer("france_services")
    assert poste.files() == [user / "laposte" / "mine.csv"] and poste.folder() == user
    assert not poste.from_bundle()
    assert fs.folder() == DEMO and fs.from_bundle()
    assert fs.files() == [DEMO / "france_services" / "liste-fs-20240801.csv"]
    # a layer with no row in Corsica is covered by the bundle, not missing
    assert catalog.layer("mediation_numerique").files() == []
    assert catalog.layer("mediation_numerique").empty_in_bundle()
    assert not catalog.layer("la_poste").empty_in_bundle()


def test_the_bundle_as_data_folder_lacks_nothing_for_corsica(monkeypatch) -> None:
    """PLANNER_DATA_DIR pointing at the bundle itself: the layers with no row in Corsica
    (médiation, partners) are not reported missing (the app showed them as absent)."""
    monkeypatch.delenv("PLANNER_BUNDLE_DIR", raising=False)
    monkeypatch.setenv("PLANNER_DATA_DIR", str(DEMO))
    assert config.bundle_dir() is None and catalog.bundle_manifest() is not None
    assert catalog.layer("mediation_numerique").empty_in_bundle()
    assert fetch.missing_for(["2A", "2B"]) == []
    assert "mediation_numerique" in fetch.missing_for(["48"])


# ----------------------------------------------------------------------------- row selection


def test_code_columns_and_codes_made_up() -> None:
    """MADE-UP column names and zone: which columns are codes, which values name the zone."""
    names = ["#Identifiant_du_site", "Code_INSEE", "CP Ville", "SCORE GLOBAL departement 1",
             "insee_reg", "Code.U2A", "City Insee Code", "Geo Point", "DEP", "Zip Code"]
    assert [names[i] for i in bundle_rows.code_columns(names)] == [
        "Code_INSEE", "CP Ville", "City Insee Code", "DEP", "Zip Code"]
    zone = bundle_rows.Zone(spec="X", label="X", insee=("2A004",), departements=("2A",), codes=frozenset({"2A004", "20000", "04112", "2A"}),
                       communes=frozenset({"2A004"}), area=None, crs="EPSG:2154", buffer_km=15.0)
    assert zone.keeps_code("2A004") and zone.keeps_code("20000 AJACCIO") and zone.keeps_code("2a004")
    assert zone.keeps_code(" 4112")  # a postcode that lost its leading zero
    assert zone.keeps_code("2A0040101")  # an IRIS of the commune
    assert not zone.keeps_code("2B033") and not zone.keeps_code("75056") and not zone.keeps_code("")


def test_keep_rows_by_code_or_position_made_up() -> None:
    """MADE-UP rows: kept by an INSEE code of the zone, or by coordinates near it; a
    département column decides only where no finer code exists."""
    import shapely

    area = shapely.box(1_170_000, 6_080_000, 1_250_000, 6_200_000)  # around Ajaccio, Lambert-93
    zone = bundle_rows.Zone(spec="X", label="X", insee=("2A004",), departements=("2A",), codes=frozenset({"2A004", "2A"}),
                       communes=frozenset({"2A004"}), area=area, crs="EPSG:2154", buffer_km=15.0)
    names = ["id", "code_insee", "dep", "latitude", "longitude"]
    rows = [["1", "2A004", "75", "", ""],           # code of the zone
            ["2", "75056", "2A", "48.85", "2.35"],  # Paris: its « dep » is not read
            ["3", "13055", "13", "41.93", "8.74"],  # position in Ajaccio, code elsewhere
            ["4", "", "", "", ""]]
    assert bundle_rows.keep_rows(zone, names, rows).tolist() == [True, False, True, False]
    per_dep = [["2A", "10"], ["2B", "20"], ["75", "30"]]
    assert bundle_rows.keep_rows(zone, ["departement", "usagers"], per_dep).tolist() == [True, False, False]


# ----------------------------------------------------------------------------- on the snapshots


@pytest.fixture(scope="module")
def built(real_data, tmp_path_factory) -> Path:
    """A bundle of Ajaccio's EPCI (CA du Pays Ajaccien) built from the real snapshots."""
    from planner.territory import select

    t = select("242010056")
    zone = bundle.zone_of(t.spec, t.label, t.insee, 15.0)
    out = tmp_path_factory.mktemp("bundle") / "ajaccio"
    bundle.build_bundle(zone, out, licence=lambda m: "licence\n")
    return out


def test_built_bundle_keeps_source_rows_verbatim_in_their_format(built, real_data) -> None:
    manifest = json.loads((built / config.BUNDLE_MANIFEST).read_text("utf-8"))
    poste = built / "laposte" / "laposte_poincont2_2020.csv"
    source = (real_data / "laposte" / "laposte_poincont2_2020.csv").read_bytes()
    lines = poste.read_bytes().split(b"\r\n")
    assert lines[0] == source.split(b"\r\n")[0]  # same header, same CRLF line ends
    source_lines = set(source.split(b"\r\n"))
    assert all(line in source_lines for line in lines if line)
    entry = manifest["layers"]["la_poste"]
    assert entry["files"][0]["rows"] == len([x for x in lines[1:] if x]) > 20
    assert entry["files"][0]["rows_source"] == 17_716
    # header-less IFN file with its headers.csv, JSON still a JSON list
    assert (built / "indicators" / "ifn_2020" / "iris" / "headers.csv").read_bytes() == \
        (real_data / "indicators" / "ifn_2020" / "iris" / "headers.csv").read_bytes()
    # a CSV over 256 KiB is written gzip (its rows still verbatim), the others plain
    iris = gzip.decompress((built / "indicators" / "ifn_2020" / "iris" / "2A.csv.gz").read_bytes())
    source_iris = set((real_data / "indicators" / "ifn_2020" / "iris" / "2A.csv").read_bytes()
                      .splitlines())
    assert len(iris) > bundle.GZIP_MIN_BYTES and set(iris.splitlines()) <= source_iris
    assert not (built / "indicators" / "ifn_2020" / "iris" / "2A.csv").exists()
    assert (built / "indicators" / "ifn_2020" / "scores_by_region" / "94.csv").is_file()
    assert [f["rows"] for f in manifest["layers"]["ifn_iris"]["files"]
            if f["path"].endswith("2A.csv.gz")] == [len(iris.splitlines())]
    records = json.loads((built / "mediation" / "cnfs_permanences_2022-12.json").read_text("utf-8"))
    assert isinstance(records, list) and all("latitude" in r for r in records)
    # everything the loaders need for the territory's communes
    insee = set(manifest["insee"])
    text = (built / "indicators" / "densite" / "grille_densite_4niv_detaille_geo2022.csv").read_text("utf-8")
    assert insee <= {line.split(",")[0] for line in text.splitlines()[1:]}


def test_bundle_built_again_is_the_same_bytes(built, real_data, tmp_path) -> None:
    """Built twice from the same exports (the same day): every file identical, gzip included."""
    from planner.territory import select

    t = select("242010056")
    again = tmp_path / "ajaccio"
    bundle.build_bundle(bundle.zone_of(t.spec, t.label, t.insee, 15.0), again,
                        licence=lambda m: "licence\n")
    first = {p.relative_to(built): p.read_bytes() for p in built.rglob("*") if p.is_file()}
    second = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert first.keys() == second.keys() and Path("indicators/ifn_2020/iris/2A.csv.gz") in first
    assert [k for k in first if first[k] != second[k]] == []


def test_existing_bundle_is_replaced_only_with_force(built) -> None:
    zone = bundle_rows.Zone(spec="X", label="X", insee=(), departements=(), codes=frozenset(), communes=frozenset(),
                       area=None, crs="EPSG:2154", buffer_km=0.0)
    with pytest.raises(DataError, match="existe déjà"):
        bundle.build_bundle(zone, built)
    with pytest.raises(DataError, match="n'est pas un lot"):
        bundle.build_bundle(zone, built / "laposte")


def test_too_large_bundle_is_refused_and_the_former_kept(built, real_data) -> None:
    from planner.territory import select

    before = (built / config.BUNDLE_MANIFEST).read_bytes()
    t = select("2A004")
    zone = bundle.zone_of(t.spec, t.label, t.insee, 15.0)
    with pytest.raises(DataError, match="trop volumineux"):
        bundle.build_bundle(zone, built, force=True, max_bytes=10_000)
    assert (built / config.BUNDLE_MANIFEST).read_bytes() == before
    assert not [p for p in built.parent.iterdir() if p.name.startswith(".")]  # no staging left


def test_bundle_graph_is_the_snapshot_graph(real_data) -> None:
    """The compressed (packed) compact graph of the bundle holds the very arrays of the GraphML's."""
    from planner.travel.graph import load_road_graph

    full = load_road_graph(real_data / "roads" / "corse_drive.graphml.gz")
    small = load_road_graph(DEMO / "roads" / "2a_2b.roads.npz")
    for name in ("node_id", "lon", "lat", "x", "y", "indptr", "indices", "time_s", "length_m"):
        assert np.array_equal(getattr(full, name), getattr(small, name)), name
        assert getattr(full, name).dtype == getattr(small, name).dtype, name
    assert small.crs_metric == full.crs_metric == "EPSG:2154"


def _layers_json(env: dict[str, str]) -> dict:
    done = subprocess.run([sys.executable, "-m", "planner", "layers", "--territory", "2A,2B", "--json"],
                          env=env, capture_output=True, text=True, timeout=600, cwd=ROOT)
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def test_counts_and_coverage_on_the_bundle_equal_the_snapshots(real_data, tmp_path, monkeypatch) -> None:
    """Same commune and site counts (CLI), and the same coverage of Corsica, commune by commune."""
    from planner.access.coverage import compute_coverage
    from planner.territory import select
    from planner.travel.model import model_for

    base = {k: v for k, v in os.environ.items() if not k.startswith(("PLANNER_DATA", "PLANNER_BUNDLE"))}
    full = _layers_json({**base, "PLANNER_DATA_DIR": str(real_data)})
    small = _layers_json({**base, "XDG_DATA_HOME": str(tmp_path / "xdg")})
    assert small["sources"]["la_poste"]["file"].startswith(str(DEMO))
    for key in ("communes", "population", "sites"):
        assert small[key] == full[key], key
    assert small["sites"]["la_poste"] == 194 and small["sites"]["france_services"] == 37
    assert small["sites"]["conseiller_numerique"] == 20 and small["sites"]["croix_rouge"] == 12
    assert small["communes"] == small["sites"]["town_hall"] == 360

    def corsica_coverage():
        clear_memory_cache()
        t = select("2A,2B")
        networks = ["la_poste", "france_services", "conseiller_numerique", "croix_rouge"]
        return compute_coverage(t, threshold=30, networks=networks, travel=model_for(t))

    on_full = corsica_coverage()
    monkeypatch.delenv("PLANNER_DATA_DIR")
    monkeypatch.delenv("PLANNER_BUNDLE_DIR", raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    on_bundle = corsica_coverage()
    assert catalog.layer("ifn_iris").folder() == DEMO
    clear_memory_cache()
    assert on_bundle.method == on_full.method == "road"
    assert on_bundle.share_within == on_full.share_within
    assert on_bundle.summary() == on_full.summary()
