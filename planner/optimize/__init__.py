"""Optimisation: siting (MILP), routing (PyVRP), the plan pipeline, operating modes."""
