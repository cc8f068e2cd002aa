"""French console text of the data stage (planner.outputs.text.data), on MADE-UP reports."""

from __future__ import annotations

from planner import fr
from planner.data.fetch import DOWNLOADED, SKIPPED
from planner.outputs.text.data import render_fetch, render_status


def test_render_fetch_sizes_in_mebibytes() -> None:
    report = {"data_dir": "/d", "manifest": "fetched.json", "layers": [
        {"layer": "la_poste", "status": DOWNLOADED, "file": "laposte/x.csv",
         "size": 3_098_664, "sha256": "ab" * 32},
        {"layer": "roads", "status": SKIPPED, "message": "aucune URL"},
    ]}
    lines = render_fetch(report).splitlines()
    assert lines == [
        "Dossier de données : /d",
        f"- la_poste : téléchargé → laposte/x.csv ({fr.size(3_098_664)}, sha256 abababababab…)",
        "- roads : ignoré — aucune URL",
        "Journal des téléchargements : /d/fetched.json",
    ]
    assert fr.size(3_098_664) == "3,0\u00a0Mio"


def test_render_status_table() -> None:
    layer = {"name": "la_poste", "present": True, "files": ["laposte/a.csv", "laposte/b.csv"],
             "pattern": "laposte/*.csv", "vintage": "2020", "fetched": None, "rows": 17_716,
             "unreadable": ["laposte/b.csv"], "source": "La Poste", "licence": "LO 2.0",
             "url": "https://example.invalid/laposte.csv", "how": None, "folder": "/d"}
    absent = {**layer, "name": "france_services", "present": False, "files": [], "rows": None,
              "unreadable": [], "pattern": "fs/*.csv", "url": None, "folder": None,
              "how": "téléchargez la liste sur le site de l'ANCT"}
    report = {"data_dir": "/d", "layers": [layer, absent], "found": 1, "absent": ["france_services"]}
    lines = render_status(report).splitlines()
    assert lines[1].split() == ["Couche", "Dossier", "Fichier(s)", "Lignes", "Millésime", "Source",
                                "Licence"]
    assert lines[3].split()[:2] == ["la_poste", "données"]  # read from the data folder /d
    assert "2 fichiers (laposte/*.csv)" in lines[3]
    assert f"{fr.integer(17_716)} (1 illisible)" in lines[3]
    assert "absent (fs/*.csv)" in lines[4] and lines[4].split()[1] == "—"
    assert lines[5] == "1 couche présente sur 2 ; absentes : france_services"
    assert lines[6:] == ["Pour obtenir les couches absentes :",
                         "- france_services : téléchargez la liste sur le site de l'ANCT"]
