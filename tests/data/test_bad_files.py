"""Bad input is never silently wrong (issue 12, items 2, 4, 5 and 6), on REAL files: each
test derives a damaged or variant file from a real snapshot (cut, shifted, renamed
headers, re-encoded, postcodes in the INSEE column...) in a temporary folder and checks
the loader's verdict: the row accounting, or a French file-level refusal naming the
file and the line."""

from __future__ import annotations

import csv
import gzip
import io
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest

from planner import fr
from planner.data import files
from planner.data.checks import accounting
from planner.data.read import read_records
from planner.data.sources.laposte import load_laposte
from planner.errors import DataError
from tests.conftest import has_snapshots

LAPOSTE = Path("laposte/laposte_poincont2_2020.csv")
#: Rows of the real La Poste export read: the national snapshot, or the bundle's extract.
LAPOSTE_ROWS = 17_716 if has_snapshots() else 194
ENGLISH = re.compile(r"EOF|Unterminated|Expecting|string|delimiter|Error|line \d|unexpected")


@pytest.fixture(scope="module")
def laposte_rows(corsica_data: Path) -> list[list[str]]:
    """The real La Poste export as records (header first)."""
    text = (corsica_data / LAPOSTE).read_text("utf-8")
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))


@pytest.fixture(scope="module")
def laposte_real(corsica_data: Path, communes):
    """The real La Poste export, loaded."""
    return load_laposte(corsica_data / LAPOSTE, communes)


def write(path: Path, rows: list[list[str]], *, sep: str = ";", encoding: str = "utf-8",
          quoting: int = csv.QUOTE_MINIMAL) -> Path:
    out = io.StringIO()
    csv.writer(out, delimiter=sep, lineterminator="\r\n", quoting=quoting).writerows(rows)
    path.write_bytes(out.getvalue().encode(encoding, errors="replace"))
    return path


def rejected_rows(report) -> set[int]:
    return {i.row for i in report.rejected}


def french_only(exc: DataError) -> None:
    text = str(exc)
    assert not ENGLISH.search(text), text
    assert not re.search(r"[\x00-\x08\x0e-\x1f]", text)


# --------------------------------------------------------------------------- accounting


def test_real_la_poste_accounting(laposte_real) -> None:
    sites, report = laposte_real
    assert accounting(report) == {"rows": LAPOSTE_ROWS, "loaded": LAPOSTE_ROWS, "rejected": 0}
    assert len(sites) == LAPOSTE_ROWS


def test_extra_field_in_first_data_row_rejects_that_row_only(tmp_path, laposte_rows, communes):
    rows = [r[:] for r in laposte_rows]
    rows[1] = [*rows[1], "en trop"]
    sites, report = load_laposte(write(tmp_path / "lp.csv", rows), communes)
    assert len(sites) == LAPOSTE_ROWS - 1
    assert accounting(report) == {"rows": LAPOSTE_ROWS, "loaded": LAPOSTE_ROWS - 1, "rejected": 1}
    (issue,) = report.rejected
    assert (issue.row, issue.column) == (2, "*")  # line 2: the first data row
    assert "17 champs au lieu de 16" in issue.reason
    assert rows[2][0] in {s.removeprefix("laposte:") for s in sites["site_id"]}


def test_spilling_latlong_in_comma_export_refuses_the_file(tmp_path, laposte_rows, communes):
    # a comma-separated export whose ``latlong`` value (44.6,4.2) is not quoted
    text = "\r\n".join(",".join(r) for r in laposte_rows if r) + "\r\n"
    path = tmp_path / "lp.csv"
    path.write_text(text, "utf-8")
    with pytest.raises(DataError) as err:
        load_laposte(path, communes)
    message = str(err.value)
    assert "lp.csv" in message and "sans être entre guillemets" in message
    assert "latlong" in message and err.value.row is not None
    french_only(err.value)


@pytest.mark.usefixtures("real_data")  # national snapshots (counts and files of all France)
def test_postcodes_in_insee_column_refuse_the_file(tmp_path, laposte_rows, communes):
    header = laposte_rows[0]
    insee, postcode = header.index("Code_INSEE"), header.index("Code_postal")
    rows = [header] + [[*r[:insee], r[postcode], *r[insee + 1:]] for r in laposte_rows[1:]]
    with pytest.raises(DataError) as err:
        load_laposte(write(tmp_path / "lp.csv", rows), communes)
    message = str(err.value)
    assert err.value.column == "Code_INSEE"
    assert "codes postaux" in message and "à plus de 20 km" in message
    assert re.search(r"7\s505 codes sur 9\s427", message), message


def test_layer_losing_more_than_half_its_rows_is_refused(tmp_path, laposte_rows, communes):
    header = laposte_rows[0]
    lat = header.index("Latitude")
    rows = [header] + [[*r[:lat], "n/d", *r[lat + 1:]] if i % 3 else r
                       for i, r in enumerate(laposte_rows[1:])]
    with pytest.raises(DataError) as err:
        load_laposte(write(tmp_path / "lp.csv", rows), communes)
    assert f"lignes sur {fr.integer(LAPOSTE_ROWS)} écartées" in str(err.value)
    assert "coordonnées non numériques" in str(err.value) and "dès la ligne 3" in str(err.value)


# --------------------------------------------------------------------------- cut files


def test_file_cut_in_the_middle_of_a_row_is_refused_at_its_line(tmp_path, corsica_data, communes):
    data = (corsica_data / LAPOSTE).read_bytes()
    cut = data[: data.index(b"\r\n", len(data) // 2) + 40]  # 40 bytes into a row
    path = tmp_path / "lp.csv"
    path.write_bytes(cut)
    line = cut.count(b"\n") + 1
    with pytest.raises(DataError, match="fichier tronqué") as err:
        load_laposte(path, communes)
    assert err.value.row == line and f"ligne {line}" in str(err.value)
    # ``planner data status`` gives the same verdict
    with pytest.raises(DataError, match="fichier tronqué"):
        files.count_rows(path)


def test_missing_closing_quote_is_refused_at_its_line(tmp_path, laposte_rows, communes):
    rows = [r[:] for r in laposte_rows[:150]]
    path = write(tmp_path / "lp.csv", rows)
    text = path.read_bytes().decode("utf-8").split("\r\n")
    text[100] = text[100].replace(";", ';"', 1)  # a quote opened on line 101, never closed
    path.write_bytes("\r\n".join(text).encode("utf-8"))
    with pytest.raises(DataError, match="guillemet ouvert ligne 101 n'est jamais refermé") as err:
        load_laposte(path, communes)
    assert err.value.row == 101


def test_cut_at_a_field_boundary_is_refused(tmp_path, laposte_rows, communes):
    rows = [r[:] for r in laposte_rows[:150]]
    rows[-1] = rows[-1][:9]  # the last row stops after Code_INSEE... minus one field
    with pytest.raises(DataError, match=r"il s'arrête ligne 150, au milieu d'une ligne \(9 champs sur 16\)"):
        load_laposte(write(tmp_path / "lp.csv", rows), communes)


def test_cut_json_is_refused_in_french(tmp_path, corsica_data):
    data = (corsica_data / "mediation/cnfs_permanences_2022-12.json").read_text("utf-8")
    cut = data[: len(data) // 3]
    cut = cut[: cut.rindex('"') + 4]  # inside a string
    path = tmp_path / "cnfs_permanences_2022-12.json"
    path.write_text(cut, "utf-8")
    with pytest.raises(DataError, match="fichier JSON tronqué") as err:
        files.read_json_list(path)
    assert err.value.row == cut.rstrip().count("\n") + 1
    french_only(err.value)
    path.write_text(data.replace('"nom"', "nom", 1), "utf-8")
    with pytest.raises(DataError, match=r"JSON invalide \(ligne \d+, colonne \d+\) : nom de champ"):
        files.read_json_list(path)


# --------------------------------------------------------------------------- variants


@pytest.mark.parametrize("rename", [
    {"#Identifiant_du_site": "Id_du_site"},
    {"#Identifiant_du_site": "identifiant_a", "Libellé_du_site": "libelle_du_site",
     "Caractéristique_du_site": "caracteristique_du_site", "Code_INSEE": "code_insee",
     "Latitude": "latitude", "Longitude": "longitude"},
])
def test_header_variants_load_the_same_sites(tmp_path, laposte_rows, laposte_real, communes,
                                             rename):
    rows = [[rename.get(c, c) for c in laposte_rows[0]], *laposte_rows[1:]]
    sites, report = load_laposte(write(tmp_path / "lp.csv", rows), communes)
    assert accounting(report) == accounting(laposte_real[1])
    assert sites["insee"].tolist() == laposte_real[0]["insee"].tolist()


@pytest.mark.usefixtures("real_data")  # national snapshots (counts and files of all France)
def test_older_export_comma_latin1_without_insee(tmp_path, laposte_rows, laposte_real, communes):
    header = laposte_rows[0]
    drop = {header.index("Code_INSEE"), header.index("latlong")}
    rows = [[v for i, v in enumerate(r) if i not in drop] for r in laposte_rows]
    path = write(tmp_path / "lp_ancien.csv", rows, sep=",", encoding="latin-1")
    sites, report = load_laposte(path, communes)
    real = laposte_real[0].set_index("site_id")["insee"]
    got = sites.set_index("site_id")["insee"]
    assert accounting(report)["rows"] == LAPOSTE_ROWS and accounting(report)["rejected"] == 0
    same = (got.reindex(real.index) == real).mean()
    assert same > 0.99, same
    assert (got.str[:2] == "48").sum() == (real.str[:2] == "48").sum() == 78


def test_single_latlong_column_is_split(tmp_path, laposte_rows, laposte_real, communes):
    header = laposte_rows[0]
    drop = {header.index("Latitude"), header.index("Longitude")}
    rows = [[v for i, v in enumerate(r) if i not in drop] for r in laposte_rows]
    sites, _report = load_laposte(write(tmp_path / "lp.csv", rows), communes)
    assert len(sites) == LAPOSTE_ROWS
    assert np.allclose(sites.geometry.x, laposte_real[0].geometry.x)


# --------------------------------------------------------------------------- not CSV


def _xlsx_bytes(tmp_path: Path) -> bytes:
    import pandas as pd

    pd.DataFrame({"a": [1]}).to_excel(tmp_path / "w.xlsx", index=False)
    return (tmp_path / "w.xlsx").read_bytes()


@pytest.mark.parametrize(("kind", "message"), [
    ("xlsx", "ce fichier est un classeur Excel renommé en .csv : enregistrez-le en CSV ou déposez le .xlsx"),
    ("gzip", "compressé (gzip)"),
    ("zip", "archive ZIP"),
    ("random", "pas un fichier texte"),
])
def test_non_text_named_csv_is_told_for_what_it_is(tmp_path, corsica_data, communes, kind, message):
    raw = (corsica_data / LAPOSTE).read_bytes()
    if kind == "xlsx":
        data = _xlsx_bytes(tmp_path)
    elif kind == "gzip":
        data = gzip.compress(raw)
    elif kind == "zip":
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as z:
            z.writestr("laposte.csv", raw)
        data = buffer.getvalue()
    else:
        data = np.random.default_rng(12).bytes(200_000)
    path = tmp_path / "laposte.csv"
    path.write_bytes(data)
    with pytest.raises(DataError) as err:
        load_laposte(path, communes)
    assert message in str(err.value) and "laposte.csv" in str(err.value)
    french_only(err.value)
    with pytest.raises(DataError, match=re.escape(message)):  # data status: same verdict
        files.count_rows(path)


def test_control_characters_are_stripped_from_quoted_values(tmp_path, laposte_rows, communes):
    rows = [r[:] for r in laposte_rows[:100]]
    rows[5][1] = "BUREAU\x01 DE\x0b POSTE\x1f"
    sites, _report = load_laposte(write(tmp_path / "lp.csv", rows, quoting=csv.QUOTE_ALL), communes)
    assert len(sites) == 99
    assert sites.loc[sites["site_id"] == "laposte:" + rows[5][0], "name"].item() == "BUREAU DE POSTE"


def test_status_counts_what_the_loader_reads(tmp_path, laposte_rows, communes):
    rows = [r[:] for r in laposte_rows]
    rows[10] = [*rows[10], "x"]
    path = write(tmp_path / "lp.csv", rows)
    _, report = load_laposte(path, communes)
    assert files.count_rows(path) == report.rows_read == LAPOSTE_ROWS
    assert len(read_records(path).rows) == LAPOSTE_ROWS


def test_messages_never_carry_library_english(tmp_path):
    path = tmp_path / "x.json"
    for text in ('[{"a": "b', '[{"a" 1}]', '[{"a": 1},]', "[1] x"):
        path.write_text(text, "utf-8")
        with pytest.raises(DataError) as err:
            files.read_json_list(path)
        french_only(err.value)
    xlsx = tmp_path / "x.xlsx"
    xlsx.write_bytes(b"PK\x03\x04" + os.urandom(100))
    with pytest.raises(DataError, match="classeur Excel illisible") as err:
        files.read_excel(xlsx, {}, ())
    french_only(err.value)
    xlsx.write_text("a;b\n1;2\n", "utf-8")
    with pytest.raises(DataError, match=re.escape("fichier texte renommé en .xlsx")):
        files.read_excel(xlsx, {}, ())


# --------------------------------------------------------------------------- IFN, layers


def _data_dir_with(corsica_data: Path, root: Path, replaced: dict[str, bytes]) -> Path:
    """A data folder of symbolic links to the real snapshots, but for the ``replaced`` files."""
    def mirror(src: Path, dst: Path) -> None:
        dst.mkdir(parents=True, exist_ok=True)
        for child in src.iterdir():
            rel = child.relative_to(corsica_data).as_posix()
            if rel in replaced:
                (dst / child.name).write_bytes(replaced[rel])
            elif any(r.startswith(rel + "/") for r in replaced):
                mirror(child, dst / child.name)
            else:
                (dst / child.name).symlink_to(child)
    mirror(corsica_data, root)
    return root


@pytest.fixture(scope="module")
def cut_ifn_data(corsica_data: Path, tmp_path_factory) -> Path:
    """The real data folder, with the IFN IRIS file of Lozère cut in the middle of a row."""
    data = (corsica_data / "indicators/ifn_2020/iris/48.csv").read_bytes()
    cut = data[: data.index(b"\n", len(data) // 2) + 300]
    return _data_dir_with(corsica_data, tmp_path_factory.mktemp("data"),
                          {"indicators/ifn_2020/iris/48.csv": cut})


@pytest.mark.usefixtures("real_data")  # national snapshots (counts and files of all France)
def test_cut_ifn_file_is_reported_and_the_others_kept(cut_ifn_data: Path) -> None:
    from planner.data.sources.ifn import read_ifn_iris

    folder = cut_ifn_data / "indicators/ifn_2020/iris"
    iris, report = read_ifn_iris(sorted(folder.glob("[0-9]*.csv")), folder / "headers.csv")
    assert set(iris["departement"]) == {"2A", "2B", "15", "23"}
    lost = [i for i in report.rejected if i.reason.startswith("48.csv")]
    assert lost and "fichier tronqué" in lost[0].reason and "fichier écarté" in lost[0].reason
    assert accounting(report)["rejected"] == len({i.row for i in lost})
    assert accounting(report)["loaded"] == len(iris) == 147 + 254 + 260 + 262


@pytest.mark.usefixtures("real_data")  # national snapshots (counts and files of all France)
def test_layers_reports_the_cut_ifn_and_names_the_files_used(cut_ifn_data, monkeypatch) -> None:
    from planner.inventory import layers_summary
    from planner.territory import select

    monkeypatch.setenv("PLANNER_DATA_DIR", str(cut_ifn_data))
    lozere = layers_summary(select("48"), roads=None)
    ifn = lozere["layers"]["ifn_iris"]
    assert ifn["rows"] == ifn["loaded"] + ifn["rejected"] and ifn["rejected"] > 0
    assert "48.csv" in ifn["files"]
    example = next(e for e in ifn["examples"] if e["action"] == "rejetée")
    assert example["reason"].startswith("48.csv : fichier tronqué") and example["line"] > 0
    assert lozere["sources"]["ifn_iris"]["file"] == "48.csv"
    assert lozere["sources"]["roads"]["file"] is None
    for name, entry in lozere["layers"].items():
        assert set(entry) >= {"rows", "loaded", "rejected", "examples"}, name
        assert entry["rows"] == entry["loaded"] + entry["rejected"], name


def test_layers_names_the_files_used_for_corsica(corsica_data) -> None:
    from planner.inventory import layers_summary
    from planner.territory import select
    from planner.travel.model import model_for

    corsica = select("2A,2B")
    graph = model_for(corsica).graph
    summary = layers_summary(corsica, roads=graph.report.source if graph else None)
    assert summary["sources"]["roads"]["file"] == "corse_drive.graphml.gz"
    gz = ".gz" if (corsica_data / "indicators/ifn_2020/iris/2A.csv.gz").is_file() else ""  # bundle
    assert summary["sources"]["ifn_iris"]["file"] == f"2A.csv{gz}, 2B.csv{gz}"
    assert summary["layers"]["la_poste"] == {
        "files": ["laposte_poincont2_2020.csv"], "rows": LAPOSTE_ROWS, "loaded": LAPOSTE_ROWS,
        "rejected": 0, "suspect": summary["layers"]["la_poste"]["suspect"],
        "examples": summary["layers"]["la_poste"]["examples"], "error": None}


@pytest.mark.usefixtures("real_data")  # national snapshots (counts and files of all France)
def test_cli_layers_json_and_data_status_on_bad_files(corsica_data, cut_ifn_data, tmp_path,
                                                      monkeypatch) -> None:
    import json

    from typer.testing import CliRunner

    from planner.cli import app
    from planner.data.status import status

    monkeypatch.setenv("PLANNER_DATA_DIR", str(cut_ifn_data))
    result = CliRunner().invoke(app, ["layers", "--territory", "48", "--json"])
    assert result.exit_code == 0, result.output
    ifn = json.loads(result.output)["layers"]["ifn_iris"]
    assert ifn["rejected"] > 0 and ifn["rows"] == ifn["loaded"] + ifn["rejected"]
    # random bytes in place of La Poste: refused by ``data status`` as by the loader
    noise = _data_dir_with(corsica_data, tmp_path / "noise",
                           {LAPOSTE.as_posix(): np.random.default_rng(3).bytes(100_000)})
    poste = next(s for s in status(noise) if s.layer == "la_poste")
    assert poste.rows is None and poste.unreadable == [LAPOSTE.as_posix()]
    env = {**os.environ, "PLANNER_DATA_DIR": str(noise)}
    run = subprocess.run([sys.executable, "-m", "planner", "layers", "--territory", "48", "--json"],
                         capture_output=True, text=True, env=env, timeout=600)
    assert run.returncode == 2, run.stderr
    assert "laposte_poincont2_2020.csv" in run.stderr and "pas un fichier texte" in run.stderr
    assert "Traceback" not in run.stderr
