"""``planner data fetch`` against a real HTTP server on 127.0.0.1 serving the real
snapshot files."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
from datetime import datetime
from pathlib import Path

import pytest
import requests

from planner.data import catalog, fetch
from planner.errors import DataError
from planner.outputs.text.data import render_fetch
from tests.conftest import has_snapshots

LAPOSTE = "laposte/laposte_poincont2_2020.csv"
#: Bytes of the real La Poste file served: the national snapshot, or the bundle's extract.
LAPOSTE_BYTES = 3_098_664 if has_snapshots() else 31_884


FRANCE_SERVICES = "france_services/liste-fs-20240801.csv"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _visible_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


def test_fetch_lands_the_file_with_the_source_sha256_and_records_it(
    corsica_data: Path, snapshot_server: str, data: Path
) -> None:
    url = f"{snapshot_server}/{LAPOSTE}"
    results = fetch.fetch(["la_poste"], root=data, urls={"la_poste": url}, progressbar=False)

    dest = data / "laposte" / "laposte_poincont2_latest.csv"
    source_sha = _sha(corsica_data / LAPOSTE)
    assert [(r.layer, r.status) for r in results] == [("la_poste", fetch.DOWNLOADED)]
    assert _sha(dest) == source_sha == results[0].sha256
    mask = os.umask(0)
    os.umask(mask)
    assert dest.stat().st_mode & 0o777 == 0o666 & ~mask  # readable like any data file
    assert results[0].size == (corsica_data / LAPOSTE).stat().st_size == LAPOSTE_BYTES
    # nothing else in the folder: no temporary or partial file left behind
    assert _visible_files(data) == ["fetched.json", "laposte/laposte_poincont2_latest.csv"]

    record = json.loads((data / "fetched.json").read_text("utf-8"))["la_poste"]
    assert record["layer"] == "la_poste"
    assert record["url"] == url
    assert record["sha256"] == source_sha
    assert record["size"] == LAPOSTE_BYTES
    assert record["file"] == "laposte/laposte_poincont2_latest.csv"
    assert datetime.fromisoformat(record["date"]).tzinfo is not None
    # the catalog finds the fetched file as the layer's file
    assert catalog.layer("la_poste").file(data) == dest


def test_second_fetch_of_an_unchanged_file_leaves_it_untouched(
    snapshot_server: str, data: Path
) -> None:
    urls = {"la_poste": f"{snapshot_server}/{LAPOSTE}"}
    fetch.fetch(["la_poste"], root=data, urls=urls, progressbar=False)
    dest = data / "laposte" / "laposte_poincont2_latest.csv"
    before = dest.stat()
    first = json.loads((data / "fetched.json").read_text("utf-8"))["la_poste"]

    again = fetch.fetch(["la_poste"], root=data, urls=urls, progressbar=False)

    after = dest.stat()
    assert again[0].status == fetch.UNCHANGED
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    second = json.loads((data / "fetched.json").read_text("utf-8"))["la_poste"]
    assert second["date"] == first["date"]  # download date kept, check date updated
    assert second["sha256"] == first["sha256"]
    assert second["checked"] >= first["checked"]
    assert _visible_files(data) == ["fetched.json", "laposte/laposte_poincont2_latest.csv"]


def test_base_url_override_and_changed_export_replaces_the_file(
    corsica_data: Path, mirror: tuple[Path, str], data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root, base = mirror
    served = root / "france_services" / "liste-fs-latest.csv"
    served.parent.mkdir()
    served.symlink_to(corsica_data / FRANCE_SERVICES)
    monkeypatch.setenv(fetch.BASE_URL_ENV, base)

    first = fetch.fetch(["france_services"], root=data, progressbar=False)
    dest = data / "france_services" / "liste-fs-latest.csv"
    assert first[0].url == f"{base}/france_services/liste-fs-latest.csv"
    assert _sha(dest) == _sha(corsica_data / FRANCE_SERVICES)

    served.unlink()  # the "official" export changes
    served.symlink_to(corsica_data / "croix_rouge" / "structures_2015.csv")
    second = fetch.fetch(["france_services"], root=data, progressbar=False)

    assert second[0].status == fetch.DOWNLOADED
    assert _sha(dest) == _sha(corsica_data / "croix_rouge" / "structures_2015.csv")
    record = json.loads((data / "fetched.json").read_text("utf-8"))["france_services"]
    assert record["sha256"] == second[0].sha256 != first[0].sha256


def test_404_gives_a_french_error_and_keeps_the_previous_file(
    corsica_data: Path, snapshot_server: str, data: Path
) -> None:
    fetch.fetch(
        ["la_poste"],
        root=data,
        urls={"la_poste": f"{snapshot_server}/{LAPOSTE}"},
        progressbar=False,
    )
    dest = data / "laposte" / "laposte_poincont2_latest.csv"
    journal = (data / "fetched.json").read_text("utf-8")
    missing = f"{snapshot_server}/laposte/nexiste_pas.csv"

    with pytest.raises(DataError) as err:
        fetch.fetch(["la_poste"], root=data, urls={"la_poste": missing}, progressbar=False)

    text = str(err.value)
    assert "téléchargement impossible" in text and "404" in text and missing in text
    assert str(dest) in text and "à la main" in text
    assert _sha(dest) == _sha(corsica_data / LAPOSTE)
    assert (data / "fetched.json").read_text("utf-8") == journal
    assert _visible_files(data) == ["fetched.json", "laposte/laposte_poincont2_latest.csv"]


def test_404_without_previous_file_creates_nothing(snapshot_server: str, data: Path) -> None:
    with pytest.raises(DataError, match="404"):
        fetch.fetch(
            ["france_services"],
            root=data,
            urls={"france_services": f"{snapshot_server}/absent.csv"},
            progressbar=False,
        )
    assert not data.exists()


def test_unreachable_port_fails_fast_in_one_attempt(
    data: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, object]] = []
    real_get = requests.get

    def spy(url: str, **kwargs: object) -> requests.Response:
        calls.append((url, kwargs.get("timeout")))
        return real_get(url, **kwargs)

    monkeypatch.setattr(requests, "get", spy)
    url = f"http://127.0.0.1:{_free_port()}/laposte.csv"

    with pytest.raises(DataError) as err:
        fetch.fetch(["la_poste"], root=data, urls={"la_poste": url}, progressbar=False)

    text = str(err.value)
    assert "injoignable" in text and url in text and "à la main" in text
    assert str(data / "laposte" / "laposte_poincont2_latest.csv") in text
    assert isinstance(err.value.__cause__, requests.exceptions.ConnectionError)
    # a single attempt with a short connection timeout: no retry loop
    assert calls == [(url, (fetch.CONNECT_TIMEOUT_S, fetch.READ_TIMEOUT_S))]
    assert fetch.CONNECT_TIMEOUT_S <= 10
    assert not data.exists()


def test_unknown_host_fails_with_the_french_message(data: Path) -> None:
    url = "http://donnees.invalid/liste-fs.csv"  # .invalid never resolves (RFC 2606)
    with pytest.raises(DataError, match="injoignable") as err:
        fetch.fetch(
            ["france_services"], root=data, urls={"france_services": url}, progressbar=False
        )
    assert url in str(err.value)
    assert not data.exists()


def test_oversized_download_is_refused_without_partial_file(
    snapshot_server: str, data: Path
) -> None:
    with pytest.raises(DataError, match="dépasse"):
        fetch.fetch(
            ["la_poste"],
            root=data,
            urls={"la_poste": f"{snapshot_server}/{LAPOSTE}"},
            progressbar=False,
            max_bytes=LAPOSTE_BYTES // 2,
        )
    assert not data.exists()


def test_unknown_layer_names_list_the_valid_ones(data: Path) -> None:
    with pytest.raises(DataError) as err:
        fetch.fetch(["la_poste", "la_post", "ifn"], root=data)
    text = str(err.value)
    assert "couches inconnues" in text and "« la_post »" in text and "« ifn »" in text
    for name in catalog.layers():
        assert name in text
    assert f"téléchargeables : {', '.join(fetch.downloadable_layers())})" in text
    assert not data.exists()


def test_layer_without_url_is_skipped_with_a_french_message(data: Path) -> None:
    results = fetch.fetch(["croix_rouge", "ifn_iris"], root=data)
    assert [r.status for r in results] == [fetch.SKIPPED, fetch.SKIPPED]
    # the message says how to get the layer (the manifest's « how »), not « planner data fetch »
    assert "pas de téléchargement public stable" in results[0].message
    assert catalog.layer("croix_rouge").how in results[0].message
    assert "page Données" in results[0].message
    assert "fragilite-numerique.fr" in results[1].message
    assert all("planner data fetch" not in r.message for r in results)
    assert not data.exists()
    text = render_fetch(fetch.fetch_report(results, data))
    assert "croix_rouge : ignoré" in text and "ifn_iris : ignoré" in text


def test_default_selection_is_every_layer_with_a_url() -> None:
    assert fetch.downloadable_layers() == [n for n, lay in catalog.layers().items() if lay.url]
    for name in ("la_poste", "france_services", "mediation_numerique", "filosofi", "densite",
                 "comparateur", "aav", "ifn_2023_communes"):
        assert name in fetch.downloadable_layers()
    # INSEE files come from insee.fr; the zip archives name the member to open
    for name in ("filosofi", "densite", "comparateur", "aav"):
        assert catalog.layer(name).url.startswith("https://www.insee.fr/fr/statistiques/fichier/")
    assert catalog.layer("comparateur").archive_member == "base_cc_comparateur.csv"
    for name in fetch.downloadable_layers():
        lay = catalog.layer(name)
        # the fetched file is found by the layer's pattern and sorts after dated snapshots
        assert Path(lay.fetch_name).match(lay.path)
        assert Path(lay.fetch_name).stem.endswith("latest")


def test_parse_layer_names_accepts_commas_and_repetitions() -> None:
    assert fetch.parse_layer_names(None) is None
    assert fetch.parse_layer_names(["", " "]) is None
    assert fetch.parse_layer_names(["la_poste, france_services", "la_poste", "roads"]) == [
        "la_poste",
        "france_services",
        "roads",
    ]


def test_cli_fetch_errors_exit_2_in_french(snapshot_server: str, tmp_path: Path) -> None:
    env = {**os.environ, "PLANNER_DATA_DIR": str(tmp_path / "data")}
    # unknown layer: exit code 2, French message, no traceback
    bad = subprocess.run(
        [sys.executable, "-m", "planner.cli", "data", "fetch", "--layers", "poste"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert bad.returncode == 2
    assert bad.stderr.startswith("Erreur : couche inconnue : « poste »")
    assert "Traceback" not in bad.stderr
    # a base URL where nothing is served: 404, exit code 2, no traceback
    env[fetch.BASE_URL_ENV] = f"{snapshot_server}/nowhere"
    failed = subprocess.run(
        [sys.executable, "-m", "planner.cli", "data", "fetch", "-l", "la_poste"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert failed.returncode == 2 and "404" in failed.stderr and "à la main" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert not (tmp_path / "data").exists()


def test_cli_fetch_json_through_base_url(
    corsica_data: Path, mirror: tuple[Path, str], tmp_path: Path
) -> None:
    root, base = mirror
    (root / "laposte").mkdir()
    (root / "laposte" / "laposte_poincont2_latest.csv").symlink_to(corsica_data / LAPOSTE)
    env = {**os.environ, "PLANNER_DATA_DIR": str(tmp_path / "data"), fetch.BASE_URL_ENV: base}
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "planner.cli",
            "data",
            "fetch",
            "--layers",
            "la_poste,croix_rouge",
            "--json",
        ],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    payload = json.loads(done.stdout)
    assert [(r["layer"], r["status"]) for r in payload["layers"]] == [
        ("la_poste", fetch.DOWNLOADED),
        ("croix_rouge", fetch.SKIPPED),
    ]
    assert payload["layers"][0]["sha256"] == _sha(corsica_data / LAPOSTE)
    assert "la_poste" in done.stderr  # the progress bar, labelled, on stderr
