"""French text of the coverage stage (planner.outputs.text.coverage)."""

from __future__ import annotations

from planner.access.demand import DemandModel
from planner.fr import NBSP, THIN
from planner.outputs.text.coverage import describe_demand_model, render_coverage


def test_describe_demand_model_states_formula_and_coefficients() -> None:
    text = describe_demand_model(DemandModel())
    assert "population × taux de base × facteur de fragilité" in text
    assert f"15,4{NBSP}%" in text and "[0,5 ; 2]" in text
    assert "0,609 + 0,278 × part des 65 ans et plus + 0,924 × part des non ou peu diplômés" in text
    assert "R² = 0,34" in text and f"1{THIN}037 observations" in text
    assert "0,806 + 1,609 × taux de chômage" in text
    custom = describe_demand_model(DemandModel(base_rate=0.2, use_ifn=False, fallback_proxy=None))
    assert f"20{NBSP}% (valeur choisie" in custom
    assert "indice de fragilité" not in custom and "chômage" not in custom
    assert custom.splitlines()[-2] == "  2. sinon, 1 (facteur neutre)."


def test_render_coverage_on_a_made_up_summary() -> None:
    """MADE-UP summary with one zone and one network."""
    summary = {
        "territory": "2A", "method": "road", "threshold_min": 30.0, "population": 160_000,
        "population_within": 152_345, "share_within": 0.9521, "communes_underserved": 3,
        "zones": [{"id": "Z01", "communes": ["2A001", "2A002"], "population": 1_234, "unmet_demand": 98.6}],
        "by_network": {"la_poste": {"population_within": 150_000, "unique_population": 12_000}},
    }
    lines = render_coverage(summary).splitlines()
    assert lines[0] == "Territoire : 2A — méthode : route"
    assert lines[1] == f"Population à moins de 30{NBSP}min : 152{THIN}345 sur 160{THIN}000 (95,2{NBSP}%)"
    assert lines[2] == "Communes mal desservies : 3 — zones : 1"
    assert lines[3] == f"  Z01 : 2 communes, 1{THIN}234{NBSP}hab., demande non couverte 99"
    assert lines[4].endswith(f"150{THIN}000{NBSP}hab. couverts, dont 12{THIN}000 seulement par lui")
