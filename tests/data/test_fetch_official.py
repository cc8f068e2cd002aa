"""``planner data fetch`` against a loopback server answering like the official endpoints
(tests/data/_official_server.py): the real snapshot files at their official paths, an
INSEE zip built on the fly from the real CSV, a cut in the middle of a body then Range,
a checksum mismatch, 404 and a stalled server."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from planner.data import catalog, download, fetch, status
from planner.errors import DataError
from planner.outputs.text.data import render_fetch
from tests.conftest import has_snapshots
from tests.data import _official_server as official

LAPOSTE = "laposte/laposte_poincont2_2020.csv"
COMPARATEUR = "indicators/comparateur_2024/communes.csv"
#: Rows of the real comparateur served: the national snapshot, or the bundle's extract.
COMPARATEUR_ROWS = 36_208 if has_snapshots() else 376


@pytest.fixture(autouse=True)
def _small_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    """4 KiB reads, so that the bundle's small files (32 KB) are cut after whole chunks
    as the national files (3 MB) are with the default 64 KiB."""
    monkeypatch.setattr(download, "CHUNK_BYTES", 4096)


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@pytest.fixture
def server(corsica_data: Path) -> Iterator[official.OfficialServer]:
    srv = official.start(corsica_data)
    yield srv
    srv.close()


def test_real_files_at_their_official_paths(corsica_data: Path, server: official.OfficialServer,
                                            data: Path) -> None:
    results = fetch.fetch(["la_poste", "france_services"], root=data,
                          urls=server.urls("la_poste", "france_services"), progressbar=False)
    assert [r.status for r in results] == [fetch.DOWNLOADED, fetch.DOWNLOADED]
    assert server.requests[0][0] == "/data-fair/api/v1/datasets/laposte-poincont2/raw"
    assert _sha(data / "laposte/laposte_poincont2_latest.csv") == _sha(corsica_data / LAPOSTE)
    assert results[0].scope == "national" and "toute la France" in results[0].message
    record = json.loads((data / "fetched.json").read_text("utf-8"))["france_services"]
    assert record["size"] == (corsica_data / "france_services/liste-fs-20240801.csv").stat().st_size
    assert _files(data) == ["fetched.json", "france_services/liste-fs-latest.csv",
                            "laposte/laposte_poincont2_latest.csv"]


def test_insee_zip_is_opened_and_its_member_kept(corsica_data: Path, server: official.OfficialServer,
                                                 data: Path) -> None:
    results = fetch.fetch(["comparateur"], root=data, urls=server.urls("comparateur"),
                          progressbar=False)
    dest = data / "indicators/comparateur_2024/communes_latest.csv"
    assert results[0].status == fetch.DOWNLOADED
    assert server.requests[0][0] == "/fr/statistiques/fichier/2521169/base_cc_comparateur_csv.zip"
    assert _sha(dest) == _sha(corsica_data / COMPARATEUR) == results[0].sha256
    record = json.loads((data / "fetched.json").read_text("utf-8"))["comparateur"]
    zipped = server.bodies["/fr/statistiques/fichier/2521169/base_cc_comparateur_csv.zip"]
    assert zipped[:2] == b"PK"  # a real zip archive went over the wire
    assert record["archive_sha256"] == hashlib.sha256(zipped).hexdigest()
    assert record["archive_size"] == len(zipped) != record["size"]
    assert record["archive_member"] == "base_cc_comparateur.csv"
    assert _files(data) == ["fetched.json", "indicators/comparateur_2024/communes_latest.csv"]
    # the loaders' reader counts the real rows in the extracted file
    rows = {s["name"]: s["rows"] for s in status.status_report(data)["layers"]}
    assert rows["comparateur"] == COMPARATEUR_ROWS


def test_cut_in_the_middle_resumes_with_range(corsica_data: Path, server: official.OfficialServer,
                                              data: Path) -> None:
    path = "/data-fair/api/v1/datasets/laposte-poincont2/raw"
    server.behaviours[path] = official.Behaviour(cut_once=True)
    results = fetch.fetch(["la_poste"], root=data, urls=server.urls("la_poste"), progressbar=False)

    size = (corsica_data / LAPOSTE).stat().st_size
    assert results[0].status == fetch.DOWNLOADED and results[0].resumed
    # the second request asks only for the bytes not yet received (what reached the file
    # before the cut: whole chunks, at most the half the server sent)
    assert [r[0] for r in server.requests] == [path, path] and server.requests[0][1] is None
    start = int(server.requests[1][1].removeprefix("bytes=").removesuffix("-"))
    assert 0 < start <= size // 2
    assert _sha(data / "laposte/laposte_poincont2_latest.csv") == _sha(corsica_data / LAPOSTE)
    assert "repris après une coupure" in render_fetch(fetch.fetch_report(results, data))
    assert _files(data) == ["fetched.json", "laposte/laposte_poincont2_latest.csv"]


def test_a_cut_download_resumes_on_the_next_fetch(corsica_data: Path, server: official.OfficialServer,
                                                  data: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = "/data-fair/api/v1/datasets/laposte-poincont2/raw"
    server.behaviours[path] = official.Behaviour(cut_once=True)
    monkeypatch.setattr(download, "RESUME_ATTEMPTS", 0)
    with pytest.raises(DataError, match="connexion coupée") as err:
        fetch.fetch(["la_poste"], root=data, urls=server.urls("la_poste"), progressbar=False)
    assert "reprise est automatique" in str(err.value)
    size = (corsica_data / LAPOSTE).stat().st_size
    part = data / "laposte/.laposte_poincont2_latest.csv.part"
    kept = part.stat().st_size
    assert 0 < kept <= size // 2  # kept for the next call, hidden from the layer
    assert catalog.layer("la_poste").files(data) == []

    monkeypatch.setattr(download, "RESUME_ATTEMPTS", 3)
    results = fetch.fetch(["la_poste"], root=data, urls=server.urls("la_poste"), progressbar=False)
    assert results[0].resumed and server.requests[-1] == (path, f"bytes={kept}-")
    assert _sha(data / "laposte/laposte_poincont2_latest.csv") == _sha(corsica_data / LAPOSTE)
    assert _files(data) == ["fetched.json", "laposte/laposte_poincont2_latest.csv"]


def test_server_ignoring_range_restarts_from_zero(corsica_data: Path, server: official.OfficialServer,
                                                  data: Path) -> None:
    path = "/data-fair/api/v1/datasets/laposte-poincont2/raw"
    server.behaviours[path] = official.Behaviour(cut_once=True, ignore_range=True)
    results = fetch.fetch(["la_poste"], root=data, urls=server.urls("la_poste"), progressbar=False)
    assert not results[0].resumed  # the 200 answer replaced the half file
    assert _sha(data / "laposte/laposte_poincont2_latest.csv") == _sha(corsica_data / LAPOSTE)


def test_checksum_mismatch_is_refused_and_keeps_nothing(server: official.OfficialServer,
                                                        data: Path) -> None:
    with pytest.raises(DataError, match="somme de contrôle différente") as err:
        fetch.fetch(["la_poste"], root=data, urls=server.urls("la_poste"), progressbar=False,
                    checksums={"la_poste": "0" * 64})
    assert server.url("la_poste") in str(err.value)
    assert not data.exists()


def test_checksum_that_matches_is_accepted(corsica_data: Path, server: official.OfficialServer,
                                           data: Path) -> None:
    results = fetch.fetch(["la_poste"], root=data, urls=server.urls("la_poste"), progressbar=False,
                          checksums={"la_poste": _sha(corsica_data / LAPOSTE)})
    assert results[0].status == fetch.DOWNLOADED


def test_official_404_names_the_address_and_what_to_do(server: official.OfficialServer,
                                                       data: Path) -> None:
    server.behaviours["/fr/statistiques/fichier/2521169/base_cc_comparateur_csv.zip"] = \
        official.Behaviour(status=404)
    with pytest.raises(DataError) as err:
        fetch.fetch(["comparateur"], root=data, urls=server.urls("comparateur"), progressbar=False)
    text = str(err.value)
    assert "404" in text and server.url("comparateur") in text and "à la main" in text
    assert not data.exists()


def test_stalled_server_times_out(server: official.OfficialServer, data: Path) -> None:
    server.behaviours["/data-fair/api/v1/datasets/laposte-poincont2/raw"] = \
        official.Behaviour(stall_s=2.0)
    with pytest.raises(DataError, match="ne répond plus") as err:
        fetch.fetch(["la_poste"], root=data, urls=server.urls("la_poste"), progressbar=False,
                    read_timeout=0.5)
    assert "0.5 s" in str(err.value)
    assert not data.exists()


def test_download_the_loader_cannot_read_replaces_nothing(corsica_data: Path, data: Path,
                                                          server: official.OfficialServer) -> None:
    fetch.fetch(["comparateur"], root=data, urls=server.urls("comparateur"), progressbar=False)
    dest = data / "indicators/comparateur_2024/communes_latest.csv"
    before = dest.stat()
    # the "new edition" has other columns (here: the real Croix-Rouge file, zipped)
    server.bodies["/fr/statistiques/fichier/2521169/base_cc_comparateur_csv.zip"] = _zip(
        "base_cc_comparateur.csv", (corsica_data / "croix_rouge/structures_2015.csv").read_bytes())
    with pytest.raises(DataError, match="colonne\\(s\\) absente\\(s\\) : « insee_com ou codgeo »") as err:
        fetch.fetch(["comparateur"], root=data, urls=server.urls("comparateur"), progressbar=False)
    assert "rien n'a été remplacé" in str(err.value)
    assert "insee.fr/fr/statistiques/2521169" in str(err.value)  # the manifest's « how »
    assert dest.stat().st_ino == before.st_ino and _sha(dest) == _sha(corsica_data / COMPARATEUR)
    assert _files(data) == ["fetched.json", "indicators/comparateur_2024/communes_latest.csv"]


def test_zip_without_the_member_lists_what_it_holds(corsica_data: Path, data: Path,
                                                    server: official.OfficialServer) -> None:
    server.bodies["/fr/statistiques/fichier/2521169/base_cc_comparateur_csv.zip"] = _zip(
        "autre_nom.csv", (corsica_data / COMPARATEUR).read_bytes())
    with pytest.raises(DataError, match=r"ne contient pas « base_cc_comparateur\.csv »") as err:
        fetch.fetch(["comparateur"], root=data, urls=server.urls("comparateur"), progressbar=False)
    assert "autre_nom.csv" in str(err.value) and "archive_member" in str(err.value)
    assert not data.exists()


def _zip(member: str, payload: bytes) -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(member, payload)
    return buf.getvalue()


def test_territory_fetches_only_what_it_lacks(corsica_data: Path, data: Path,
                                              server: official.OfficialServer) -> None:
    (data / "laposte").mkdir(parents=True)
    shutil.copy(corsica_data / LAPOSTE, data / "laposte/laposte_poincont2_2020.csv")
    (data / "mediation").mkdir()
    lieux = corsica_data / official.SNAPSHOT_FILES["mediation_numerique"]
    if lieux.is_file():
        shutil.copy(lieux, data / "mediation")
    else:  # the bundle has no lieu in Corsica: a made-up empty list stands for the file
        (data / "mediation" / lieux.name).write_text("[]", "utf-8")
    (data / "indicators/ifn_2020/iris").mkdir(parents=True)
    iris = corsica_data / "indicators/ifn_2020/iris"  # the bundle's is 2A.csv.gz
    for name in (next(iris.glob("2A.csv*")).name, "headers.csv"):
        shutil.copy(iris / name, data / "indicators/ifn_2020/iris")

    lacking = fetch.missing_for(["48"], data)
    assert "la_poste" not in lacking and "mediation_numerique" not in lacking
    assert "ifn_iris" in lacking  # 2A is there, 48 is not
    assert "ifn_iris" not in fetch.missing_for(["2A"], data)

    urls = {n: server.url(n) for n in official.SNAPSHOT_FILES if n != "mediation_numerique"}
    results = {r.layer: r for r in fetch.fetch(root=data, urls=urls, departements=["48"],
                                               progressbar=False)}
    assert "la_poste" not in results and "roads" not in results  # roads: planner roads fetch
    assert results["comparateur"].status == fetch.DOWNLOADED
    assert results["france_services"].status == fetch.DOWNLOADED
    assert results["ifn_iris"].status == fetch.SKIPPED
    assert "fragilite-numerique.fr" in results["ifn_iris"].message
    assert results["croix_rouge"].status == fetch.SKIPPED
    assert all(r.scope == "national" for n, r in results.items() if n != "ifn_iris")
    text = render_fetch(fetch.fetch_report(list(results.values()), data, territory="48"))
    assert "Territoire : 48" in text and "les fichiers nationaux couvrent toute la France" in text


def test_keep_going_reports_each_failure(server: official.OfficialServer, data: Path) -> None:
    urls = {"la_poste": server.base + "/absent.csv", **server.urls("france_services")}
    results = fetch.fetch(["la_poste", "france_services"], root=data, urls=urls,
                          progressbar=False, keep_going=True)
    assert [r.status for r in results] == [fetch.FAILED, fetch.DOWNLOADED]
    assert "404" in results[0].message and urls["la_poste"] in results[0].message
    assert "la_poste : échec" in render_fetch(fetch.fetch_report(results, data))


def test_cli_fetch_territory_through_base_url(corsica_data: Path, tmp_path: Path) -> None:
    srv = official.start(corsica_data, ["comparateur", "densite"])
    try:
        data = tmp_path / "data"
        env = {**os.environ, "PLANNER_DATA_DIR": str(data), fetch.BASE_URL_ENV: srv.base}
        done = subprocess.run(
            [sys.executable, "-m", "planner.cli", "data", "fetch", "--territory", "48",
             "--layers", "comparateur,densite", "--json"],
            capture_output=True, text=True, env=env, check=False,
        )
        assert done.returncode == 0, done.stderr
        payload = json.loads(done.stdout)
        assert payload["territory"] == "48"
        assert [(r["layer"], r["status"]) for r in payload["layers"]] == [
            ("comparateur", fetch.DOWNLOADED), ("densite", fetch.DOWNLOADED)]
        assert ("/indicators/comparateur_2024/communes_latest.csv", None) in srv.requests
        assert _sha(data / "indicators/comparateur_2024/communes_latest.csv") == \
            _sha(corsica_data / COMPARATEUR)
        assert "comparateur" in done.stderr  # the tqdm bar, labelled
    finally:
        srv.close()
