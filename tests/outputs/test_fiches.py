"""``planner fiche`` (planner.outputs.fiches): every sheet of a territory, as the app
builds it, in HTML and PDF with an index; a non-empty folder is never overwritten
silently. Real data: the Communauté de communes du Centre Corse (10 communes)."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from planner.cli import app
from planner.errors import DataError
from planner.outputs.fiches import sheet_codes, sheet_inputs, write_sheets
from planner.outputs.sheet import territory_sheet
from planner.outputs.sheet_render import sheet_html
from planner.territory import select

CENTRE_CORSE = "242020071"
runner = CliRunner()


@pytest.fixture(scope="module")
def inputs(corsica_data: Path):
    """The two coverages of the Centre Corse sheets (counted networks, and La Poste shown)."""
    return sheet_inputs(select(CENTRE_CORSE))


def test_cli_writes_every_sheet_and_an_index(tmp_path: Path, corsica_data: Path) -> None:
    out = tmp_path / "fiches"
    result = runner.invoke(app, ["fiche", "--territory", CENTRE_CORSE, "--out", str(out), "--sans-pdf", "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(summary) == {"territory", "communes", "epci", "files", "index"}
    assert (summary["territory"], summary["communes"], summary["epci"]) == (CENTRE_CORSE, 10, 1)
    files = summary["files"]
    assert files[0]["code"] == CENTRE_CORSE and files[0]["name"] == "Communauté de communes du Centre Corse"
    assert {f["code"] for f in files[1:]} == set(select(CENTRE_CORSE).communes["insee"])
    assert all(set(f) == {"code", "name", "html", "pdf"} and f["pdf"] is None for f in files)
    index = Path(summary["index"]).read_text("utf-8")
    links = re.findall(r'href="([^"]+)"', index)
    assert links == [Path(f["html"]).name for f in files]
    assert sorted(p.name for p in out.iterdir()) == sorted([*links, "index.html"])  # nothing else (atomic)
    corte = (out / "fiche_territoire_2B096.html").read_text("utf-8")
    assert "<title>Fiche territoire — Corte</title>" in corte
    # the folder is not empty now: refused, in French, nothing touched
    before = {p.name: p.stat().st_mtime_ns for p in out.iterdir()}
    again = subprocess.run([sys.executable, "-m", "planner", "fiche", "--territory", CENTRE_CORSE, "--out", str(out)],
                           env=dict(os.environ), capture_output=True, text=True, timeout=600)
    assert again.returncode == 2 and "Traceback" not in again.stderr
    assert "n'est pas vide : aucune fiche n'y est écrite" in again.stderr and "--force" in again.stderr
    assert {p.name: p.stat().st_mtime_ns for p in out.iterdir()} == before


def test_batch_pages_are_the_apps_sheets_with_pdfs(tmp_path: Path, inputs) -> None:
    main, extra = inputs
    day = dt.date(2025, 3, 3)
    summary = write_sheets(main, extra, tmp_path / "f", today=day)
    assert len(summary["files"]) == 11 and summary["index"].endswith("index.html")
    for item in summary["files"]:
        html, pdf = Path(item["html"]), Path(item["pdf"])
        assert html.read_text("utf-8") == sheet_html(territory_sheet(main, item["code"], extra=extra, today=day))
        assert pdf.read_bytes().startswith(b"%PDF-")
    index = Path(summary["index"]).read_text("utf-8")
    assert index.count('>PDF</a>') == 11 and "lundi 3 mars 2025" in index
    # --force writes again into the same folder; without it, refused
    with pytest.raises(DataError, match="n'est pas vide"):
        write_sheets(main, extra, tmp_path / "f", pdf=False)
    again = write_sheets(main, extra, tmp_path / "f", pdf=False, force=True, codes=["2B096"])
    assert [f["code"] for f in again["files"]] == ["2B096"]


def test_codes_are_epci_first_then_communes_by_name(inputs) -> None:
    main, _ = inputs
    codes = sheet_codes(main)
    names = main.communes.set_index("insee")["name"]
    assert codes[0] == CENTRE_CORSE
    assert [names[c] for c in codes[1:]] == sorted(names)
