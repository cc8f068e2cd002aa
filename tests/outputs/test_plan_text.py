"""``planner plan`` console text, on a made-up plan summary (not real data)."""

from __future__ import annotations

from planner.outputs.text.plan import render_plan


def test_render_plan_made_up_summary() -> None:
    summary = {  # made-up: one advisor, one day, one stop left out
        "covered_demand": 1234.4, "covered_demand_share": 0.5, "drive_hours": 3.25, "weeks": 2,
        "advisors": [{"name": "Conseiller 1", "base": "Corte", "days": [
            {"day": "lundi", "week": 1, "visits": [{"arrival": "09:30", "name": "Mairie de Venaco"}]},
            {"day": "mardi", "week": 1, "visits": []},
        ]}],
        "unvisited": [{"name": "Mairie d'Omessa", "reason": "aucune demande à servir"}],
    }
    text = render_plan(summary).splitlines()
    assert text[0] == "Demande couverte : 1\u202f234 (50,0\u00a0%) — conduite : 3,2\u00a0h par quinzaine"
    assert text[1:] == [
        "Conseiller 1 (base : Corte)",
        "  lundi (semaine 1) : 09:30 Mairie de Venaco",
        "  mardi (semaine 1) : aucune visite",
        "Non visité : Mairie d'Omessa — aucune demande à servir",
    ]
