"""Aidants Connect structures (ANCT, 2024-02): the real export and made-up edge cases."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from planner import config
from planner.data.schema import NETWORKS
from planner.data.sites import DEFAULT_LAYERS, LAYERS, NETWORK_LAYERS
from planner.data.sources.aidants_connect import load_aidants_connect
from tests.data._sites import check_canonical, in_corsica

REAL = "aidants_connect/aidants_connect_structures_2024-02.csv"


@pytest.fixture(scope="module")
def aidants(real_data):
    return load_aidants_connect(real_data / REAL)


def test_real_counts_active_only(aidants):
    sites, report = aidants
    check_canonical(sites)
    assert report.rows_read == 5_227
    assert len(sites) == report.rows_kept == 5_181
    inactive = [i for i in report.rejected if i.reason == "structure inactive : écartée"]
    assert len(inactive) == 46 == len(report.rejected)
    assert {i.column for i in inactive} == {"Is Active"}
    assert sites["site_id"].is_unique and (sites["network"] == "aidants_connect").all()
    assert sites["approximate"].all()  # no coordinates: every site at its town hall
    assert sites["vintage"].eq("2024-02").all() and sites["source"].eq("ANCT — Aidants Connect").all()


def test_real_aidants_and_france_services_labels(aidants):
    sites, _ = aidants
    assert sites["advisors"].notna().all()
    assert sites.set_index("site_id").loc["aidants_connect:1", "advisors"] == 22  # BetaGouv
    labelled = sites["kind"] == "structure Aidants Connect (France Services)"
    assert labelled.sum() > 1_000
    assert len(in_corsica(sites)) == 42


def test_registered_as_a_default_help_network():
    assert NETWORKS["aidants_connect"][0] == "Aidants Connect"
    colours = [colour for _, colour in NETWORKS.values()]
    assert len(set(colours)) == len(colours)
    assert "aidants_connect" in config.HELP_NETWORKS
    assert LAYERS["aidants_connect"] is load_aidants_connect
    assert "aidants_connect" in DEFAULT_LAYERS and NETWORK_LAYERS["aidants_connect"] == ("aidants_connect",)


# --------------------------------------------------------------------------- made-up files

HEADER = ("Name,ID,UUID,Is Active,City Insee Code,Address,Zip Code,Siret,France Services Label,"
          "City,Nombre d'aidants\n")


def _write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "aidants_connect_structures_2099-01.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


def test_made_up_quoted_line_breaks_and_inactive(tmp_path):
    """Made-up file: an address on three quoted lines, an inactive structure, an unreadable
    flag, a structure known only by its postcode and town."""
    path = _write(tmp_path, (
        'Mairie test,1,u1,true,2A004,"Hôtel de ville\n1 avenue Antoine Serafini\n20000 Ajaccio",'
        "20000,1.0,false,Ajaccio,3\n"
        "Fermée,2,u2,false,2B033,rue,20200,0.0,false,Bastia,2\n"
        "Drôle,3,u3,peut-être,2B033,rue,20200,0.0,true,Bastia,x\n"
        "Sans code,4,u4,true,,rue,20220,0.0,false,L'Île-Rousse,1\n"
    ))
    sites, report = load_aidants_connect(path)
    check_canonical(sites)
    assert report.rows_read == 4 and report.rows_kept == 3
    by_id = sites.set_index("site_id")
    assert by_id.loc["aidants_connect:1", "address"] == (
        "Hôtel de ville, 1 avenue Antoine Serafini, 20000 Ajaccio")
    assert by_id.loc["aidants_connect:1", "advisors"] == 3
    assert "aidants_connect:2" not in by_id.index
    # rows are file lines: the quoted address spans lines 2-4, the inactive record is line 5
    assert [(i.row, i.reason) for i in report.rejected] == [(5, "structure inactive : écartée")]
    assert np.isnan(by_id.loc["aidants_connect:3", "advisors"])
    assert by_id.loc["aidants_connect:3", "kind"] == "structure Aidants Connect (France Services)"
    assert by_id.loc["aidants_connect:4", "insee"] == "2B134"
    assert by_id["approximate"].all()
    line6 = sorted(i.reason for i in report.issues if i.row == 6 and i.action == "corrigée")
    assert line6[-2:] == ["nombre d'aidants non numérique : laissé inconnu",
                          "valeur d'activité illisible : structure gardée"]


def test_corsican_structures_at_their_town_hall(corsica_data):
    """The 42 active Corsican structures, from the national file or the bundle's extract."""
    sites, report = load_aidants_connect(corsica_data / REAL)
    corse = in_corsica(sites)
    assert len(corse) == 42 and corse["site_id"].is_unique
    assert corse["approximate"].all() and corse["advisors"].notna().all()
    assert (corse["network"] == "aidants_connect").all()
    assert report.vintage == "2024-02"
