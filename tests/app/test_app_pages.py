"""The Streamlit app driven through ``streamlit.testing.v1.AppTest``: widgets drive outputs.

Figures shown are compared with ``planner`` called directly on the same inputs.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

pytest.importorskip("streamlit")
from streamlit.testing.v1 import AppTest

from planner import fr
from planner.access.coverage import compute_coverage
from planner.data.hours import DAY_LABELS
from planner.outputs import sheet_text
from planner.travel import model as travel_model

APP = Path(__file__).resolve().parents[2] / "app.py"
MIN30, MIN45 = fr.duration(30), fr.duration(45)
TIMEOUT = 300  # the first run loads communes, sites and the road graph


@pytest.fixture(scope="module")
def reference(corsica, travel, coverage):
    """What the app shows on Corsica, computed with planner directly (conftest fixtures)."""
    def compute(threshold: float = 30.0, **kwargs):
        return compute_coverage(corsica, threshold=threshold, travel=travel, **kwargs)

    return {"territory": corsica, "coverage": compute, "c30": coverage, "c45": compute(45.0)}


@pytest.fixture
def app(corsica_data) -> AppTest:
    at = AppTest.from_file(str(APP), default_timeout=TIMEOUT)
    at.run()
    _no_exception(at)
    return at


def _no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]
    unexpected = [e.value for e in at.error if "erreur inattendue" in e.value]
    assert not unexpected, unexpected


def test_a_new_session_draws_the_page_then_a_sidebar_making_the_same_selection(app: AppTest) -> None:
    """First run of a session: the page (map first) with the default selection, then the
    sidebar, whose widgets make that same selection (no second run needed)."""
    from app_pages.cache import DEFAULT_DEPARTEMENTS
    from planner.config import DEFAULT_THRESHOLD_MIN, HELP_NETWORKS

    assert app.session_state["_sidebar_drawn"] is True
    selection = app.session_state["selection"]
    assert (selection.spec, selection.networks, selection.threshold, selection.kinds, selection.error) == (
        ",".join(DEFAULT_DEPARTEMENTS), tuple(HELP_NETWORKS), float(DEFAULT_THRESHOLD_MIN), (), None)
    assert app.sidebar.multiselect(key="networks").value == list(HELP_NETWORKS)
    assert app.sidebar.slider(key="threshold").value == int(DEFAULT_THRESHOLD_MIN)
    assert app.get("iframe") and app.title[0].value == "Couverture de l'aide au numérique"
    app.slider(key="threshold").set_value(45).run()  # later runs: sidebar first, its values used
    _no_exception(app)
    assert app.session_state["selection"].threshold == 45.0
    assert any("moins de 45" in m.label for m in app.metric)


def _metric(at: AppTest, label: str) -> str:
    found = [m.value for m in at.metric if m.label == label]
    assert found, f"métrique absente : {label} ({[m.label for m in at.metric]})"
    return found[0]


def _int(text: str) -> int:
    return int(re.sub(r"[^\d]", "", text))


def _frame(at: AppTest, column: str):
    """The first dataframe shown with this column."""
    for element in at.dataframe:
        if column in element.value.columns:
            return element.value
    raise AssertionError(f"aucun tableau avec la colonne « {column} »")


def _switch(at: AppTest, page: str) -> AppTest:
    at.switch_page(f"app_pages/{page}.py").run()
    _no_exception(at)
    return at


# --------------------------------------------------------------------------- Couverture


def test_couverture_shows_planner_figures_and_follows_the_threshold(app: AppTest, reference) -> None:
    s30, s45 = reference["c30"].summary(), reference["c45"].summary()
    assert app.title[0].value == "Couverture de l'aide au numérique"
    assert _metric(app, f"Population à moins de {MIN30}") == fr.integer(s30["population_within"])
    assert _metric(app, f"Population au-delà de {MIN30}") == fr.integer(s30["population_underserved"])
    assert _metric(app, "Zones mal desservies") == str(len(s30["zones"]))
    served = next(m for m in app.metric if m.label == "Demande servie (estimation)")
    assert served.value == fr.integer(s30["served_demand"])
    assert served.delta == f"{fr.integer(s30['unserved_reachable_demand'])} à portée mais non servie"
    app.slider(key="threshold").set_value(45).run()
    _no_exception(app)
    assert _metric(app, f"Population à moins de {MIN45}") == fr.integer(s45["population_within"])
    assert _int(_metric(app, f"Population à moins de {MIN45}")) > s30["population_within"]
    assert _metric(app, "Zones mal desservies") == str(len(s45["zones"]))
    table = _frame(app, "population couverte par ce seul réseau")
    by_network = reference["c45"].by_network()
    assert table["population couverte par ce seul réseau"].tolist() == [
        v["unique_population"] for v in by_network.values()
    ]


def test_counting_la_poste_raises_the_covered_population(app: AppTest, reference) -> None:
    networks = list(app.multiselect(key="networks").value)
    app.multiselect(key="networks").set_value([*networks, "la_poste"]).run()
    _no_exception(app)
    with_poste = reference["coverage"](30.0, networks=[*networks, "la_poste"]).summary()
    assert _metric(app, f"Population à moins de {MIN30}") == fr.integer(with_poste["population_within"])
    assert with_poste["population_within"] > reference["c30"].summary()["population_within"]


def test_leaving_out_a_site_kind_removes_those_sites_from_the_count(app: AppTest, reference) -> None:
    """France Services without its bus: one site fewer, never more people covered."""
    before = _frame(app, "sites comptés").set_index("réseau")["sites comptés"]
    covered = _int(_metric(app, f"Population à moins de {MIN30}"))
    app.multiselect(key="kinds_france_services_2A,2B").set_value(["Fixe", "Multisites"]).run()
    _no_exception(app)
    after = _frame(app, "sites comptés").set_index("réseau")["sites comptés"]
    buses = reference["c30"].sites.query("network == 'france_services' and kind == 'Bus'")
    assert len(buses) == 1
    assert after["France Services"] == before["France Services"] - 1
    assert after.drop("France Services").equals(before.drop("France Services"))
    assert _int(_metric(app, f"Population à moins de {MIN30}")) <= covered


def test_display_options_and_page_switches_never_recompute_travel_times(app: AppTest, monkeypatch) -> None:
    calls = []
    original = travel_model.TravelModel.nearest
    monkeypatch.setattr(travel_model.TravelModel, "nearest", lambda self, *a, **k: calls.append(1) or original(self, *a, **k))
    app.slider(key="threshold").set_value(25).run()  # a threshold no other test uses: computed once
    _no_exception(app)
    computed = len(calls)
    assert computed > 0
    app.radio(key="cov_variable").set_value("Facteur de fragilité numérique").run()
    app.radio(key="cov_variable").set_value("Personnes en difficulté numérique (estimation)").run()
    _switch(app, "zones")
    _switch(app, "couverture")
    assert len(calls) == computed


def test_no_traceback_when_nothing_is_selected(app: AppTest) -> None:
    app.multiselect(key="departements").set_value([]).run()
    _no_exception(app)
    assert any("aucun territoire choisi" in w.value for w in app.warning)
    app.radio(key="territory_mode").set_value("Commune").run()
    app.text_input(key="commune_query").set_value("zzzzqqq").run()
    _no_exception(app)
    assert any("Aucune commune ne correspond" in w.value for w in app.sidebar.warning)
    app.multiselect(key="networks").set_value([]).run()
    _no_exception(app)
    assert any("aucun réseau sélectionné" in w.value for w in app.warning)


def test_commune_search_selects_a_single_commune(app: AppTest) -> None:
    app.radio(key="territory_mode").set_value("Commune").run()
    app.text_input(key="commune_query").set_value("Corte").run()
    assert app.selectbox(key="commune").value == "2B096"
    _no_exception(app)
    assert "Corte — 1 commune —" in app.caption[0].value


# --------------------------------------------------------------------------- Zones


def test_selecting_a_zone_lists_its_communes_and_hosts(app: AppTest, reference) -> None:
    zones = reference["c30"].zones
    _switch(app, "zones")
    assert _metric(app, "Zones") == str(len(zones))
    ranked = _frame(app, "demande non couverte")
    assert ranked["zone"].tolist() == zones["zone_id"].tolist()
    second = zones.iloc[1]
    app.selectbox(key="zone").set_value(second["zone_id"]).run()
    _no_exception(app)
    communes = _frame(app, "INSEE")
    assert sorted(communes["INSEE"]) == sorted(second["communes"])
    hosts = _frame(app, "lieu")
    assert len(hosts) == len(set(second["hosts"]))


# --------------------------------------------------------------------------- Fiche territoire


def test_fiche_shows_nearest_help_per_network_and_offers_downloads(app: AppTest, reference) -> None:
    c30 = reference["c30"]
    code = c30.communes.loc[c30.communes["zone_id"].notna()].sort_values("insee")["insee"].iloc[0]
    row = c30.communes.set_index("insee").loc[code]
    _switch(app, "fiche")
    app.selectbox(key="fiche_code").set_value(code).run()
    _no_exception(app)
    assert app.header[0].value == row["name"]
    access = _frame(app, "site le plus proche").set_index("réseau")
    assert access.loc["France Services", "temps"] == sheet_text.access_time(row["minutes_france_services"])
    assert access.loc["France Services", "compté"] == "oui"
    assert access.loc["La Poste", "compté"] == "non (affiché seulement)"
    assert _metric(app, "Zone mal desservie").startswith(row["zone_id"])
    labels = [b.label for b in app.get("download_button")]
    assert labels == ["Télécharger la fiche (HTML, imprimable)", "Télécharger la fiche (PDF)"]


def test_fiche_of_an_epci_lists_its_communes(app: AppTest, reference) -> None:
    communes = reference["territory"].communes
    epci = communes.loc[communes["insee"] == "2A004", "epci"].iloc[0]
    _switch(app, "fiche")
    app.selectbox(key="fiche_code").set_value(epci).run()
    _no_exception(app)
    table = _frame(app, "habitants au-delà du seuil")
    assert sorted(table["insee"]) == sorted(communes.loc[communes["epci"] == epci, "insee"])
    assert _metric(app, "Population") == fr.integer(communes.loc[communes["epci"] == epci, "population"].sum())


# --------------------------------------------------------------------------- Données


def _sites_csv(reference, rows: int = 2) -> bytes:
    """Sites placed at the town halls of the first underserved communes (they become covered)."""
    c30 = reference["c30"]
    under = c30.communes.loc[c30.communes["population_out"] > 0].sort_values("population_out", ascending=False)
    lines = ["nom;latitude;longitude;type"]
    for _, commune in under.head(rows).iterrows():
        lines.append(f"Permanence de {commune['name']};{commune['town_hall'].y:.6f};{commune['town_hall'].x:.6f};"
                     "tiers-lieu")
    return ("\n".join(lines) + "\n").encode("utf-8")


def test_uploads_join_every_page_and_a_bad_one_loses_nothing(app: AppTest, reference) -> None:
    before = _int(_metric(app, f"Population à moins de {MIN30}"))
    _switch(app, "donnees")
    layers = _frame(app, "millésime")
    assert "La Poste — points de contact" in set(layers["couche"])
    uploader = app.get("file_uploader")[0]
    uploader.upload("mes_sites.csv", _sites_csv(reference), "text/csv")
    app.run()
    _no_exception(app)
    assert _frame(app, "réseaux")["sites"].tolist() == [2]
    assert app.sidebar.checkbox(key="count_custom").label == "Compter les sites ajoutés (2)"
    # a file with neither coordinates nor INSEE codes is refused, with its error table
    app.get("file_uploader")[0].upload("mauvais.csv", b"nom;ville\nA;Corte\n", "text/csv")
    app.run()
    _no_exception(app)
    assert any("« mauvais.csv » n'a pas été ajouté" in e.value for e in app.error)
    errors = _frame(app, "que faire")
    assert "ni coordonnées" in errors["motif"].iloc[0]
    assert _frame(app, "réseaux")["fichier"].tolist() == ["mes_sites.csv"]
    # the uploaded sites count on every page
    _switch(app, "couverture")
    after = _int(_metric(app, f"Population à moins de {MIN30}"))
    assert after > before
    app.sidebar.checkbox(key="count_custom").uncheck().run()
    assert _int(_metric(app, f"Population à moins de {MIN30}")) == before


def test_demand_settings_apply_to_every_page(app: AppTest, reference) -> None:
    demand = reference["c30"].summary()["demand_within"]
    assert _int(_metric(app, f"Demande à portée ({MIN30})")) == round(demand)
    _switch(app, "donnees")
    app.number_input(key="dm_base_rate").set_value(30.8)
    next(b for b in app.button if b.label == "Appliquer").click().run()
    _no_exception(app)
    assert "Taux de base : 30,8\u00a0%" in app.code[0].value
    _switch(app, "couverture")
    doubled = _int(_metric(app, f"Demande à portée ({MIN30})"))
    assert abs(doubled - 2 * demand) <= 1  # demand is linear in the base rate


@pytest.mark.usefixtures("real_data")  # national snapshots
def test_donnees_shows_new_layers_activity_and_vintages(app: AppTest) -> None:
    _switch(app, "donnees")
    layers = _frame(app, "couche").set_index("couche")
    aidants = layers.loc["Aidants Connect — structures habilitées"]
    assert (aidants["millésime"], aidants["lignes lues"], aidants["lignes gardées"]) == ("février 2024", 5227, 5181)
    assert layers.loc["Indice de fragilité numérique 2023 — communes", "millésime"] == "août 2023"
    activity = _frame(app, "accompagnements")
    assert set(activity["département"]) == {"2A", "2B"}  # the selected territory's
    assert any("millésime novembre 2023" in c.value and "pas des chiffres par commune" in c.value
               for c in app.caption)
    vintages = _frame(app, "origine").set_index("origine")["millésime"]
    assert vintages["indice de fragilité numérique 2023 (ANCT)"] == "août 2023"


# --------------------------------------------------------------------------- Itinérance, modes


def test_running_a_plan_shows_a_schedule_and_enables_downloads(app: AppTest) -> None:
    _switch(app, "itinerance")
    assert any("Calculer le plan" in i.value for i in app.info)
    app.slider(key="plan_stops").set_value(4)
    app.slider(key="plan_time_limit").set_value(5)
    next(b for b in app.button if b.label == "Calculer le plan").click().run()
    _no_exception(app)
    schedule = _frame(app, "Arrivée")
    assert len(schedule) > 0 and set(schedule["Conseiller"]) <= {"Conseiller 1", "Conseiller 2"}
    assert _metric(app, "Visites") == str(len(schedule))
    labels = [b.label for b in app.get("download_button")]
    assert labels[:5] == ["Tableur (CSV)", "Classeur (XLSX)", "Carte (GeoJSON)", "GPS (GPX)", "Agenda (ICS)"]
    advisors = schedule["Conseiller"].nunique()
    assert labels.count("PDF") >= advisors and labels.count("HTML imprimable") >= advisors
    day = schedule["Jour"].iloc[0]
    key = {v: k for k, v in DAY_LABELS.items()}[day]
    app.selectbox(key="plan_day_filter").set_value(key).run()
    assert set(_frame(app, "Arrivée")["Jour"]) == {day}


def test_modes_page_compares_four_modes(app: AppTest) -> None:
    pytest.importorskip("planner.optimize.modes")
    _switch(app, "modes")
    app.number_input(key="modes_advisors").set_value(2)
    next(b for b in app.button if b.label == "Comparer les modes").click().run()
    _no_exception(app)
    table = app.dataframe[0].value
    assert len(table) == 4
    assert any(i.value.startswith("À heures égales (2 conseillers, 70\u00a0h payées par semaine)") for i in app.info)


# --------------------------------------------------------------------------- Itinérance: impossible requests


def _plan_page(app: AppTest, commune: str | None = None) -> AppTest:
    """The Itinérance page, on one commune of Corsica when ``commune`` is given."""
    if commune:
        app.radio(key="territory_mode").set_value("Commune").run()
        app.text_input(key="commune_query").set_value(commune).run()
    _switch(app, "itinerance")
    app.slider(key="plan_time_limit").set_value(5)
    return app


def _submit(app: AppTest) -> AppTest:
    next(b for b in app.button if b.label == "Calculer le plan").click().run()
    _no_exception(app)
    return app


def _refused(app: AppTest, field: str, message: str) -> None:
    """A French « Réglage impossible » naming the form field; no plan, map or export shown."""
    errors = [e.value for e in app.error]
    assert any(e.startswith(f"**Réglage impossible** — « {field} »") and message in e for e in errors), errors
    assert not any("Données" in e for e in errors), errors
    assert not [m for m in app.metric if m.label == "Visites"]
    assert not app.get("download_button")
    assert not [e for e in app.get("iframe")]


@pytest.mark.parametrize(
    ("widget", "value", "field", "message"),
    [
        (("number_input", "plan_advisors"), 0, "Nombre de conseillers", "il faut au moins un conseiller"),
        (("multiselect", "plan_days"), [], "Jours travaillés", "aucun jour travaillé"),
        (("radio", "plan_how"), "manual", "Arrêts choisis à la main", "aucun arrêt choisi à la main"),
    ],
)
def test_impossible_plan_settings_are_refused_by_their_form_field(app: AppTest, widget, value, field,
                                                                  message) -> None:
    _plan_page(app)
    kind, key = widget
    getattr(app, kind)(key=key).set_value(value)
    _refused(_submit(app), field, message)


def test_more_stops_than_hosts_names_the_number_of_stops(app: AppTest) -> None:
    """Corte (2B096) has far fewer hosts than 40: refused with the count, before any solver."""
    _plan_page(app, "Corte")
    assert app.selectbox(key="commune").value == "2B096"
    app.slider(key="plan_stops").set_value(40)
    _submit(app)
    errors = [e.value for e in app.error]
    hosts = re.search(r"n'a que (\d+) lieux? pouvant accueillir", " ".join(errors))
    assert hosts and int(hosts.group(1)) < 40, errors
    _refused(app, "Nombre d'arrêts", "40 arrêts demandés")


def test_a_plan_without_any_visit_is_refused_not_shown(app: AppTest) -> None:
    """Porto-Vecchio (2A247): all its demand is within 30 min of counted help and served under
    their capacity: no stop adds any (Ajaccio's sites are full: a stop there does add some)."""
    _plan_page(app, "Porto-Vecchio")
    assert app.selectbox(key="commune").value == "2A247"
    app.slider(key="plan_stops").set_value(1)
    _refused(_submit(app), "Seuil d'accès", "aucune visite")


def test_a_failed_request_clears_the_old_plan_and_a_new_selection_marks_it_stale(app: AppTest) -> None:
    _plan_page(app)
    app.slider(key="plan_stops").set_value(3)
    _submit(app)
    assert _int(_metric(app, "Visites")) > 0
    assert not any("ne correspond plus" in w.value for w in app.warning)
    app.slider(key="threshold").set_value(35).run()  # the sidebar changes: the plan is marked stale
    _no_exception(app)
    assert any(w.value == "Ce plan ne correspond plus aux réglages : relancez le calcul." for w in app.warning)
    app.number_input(key="plan_advisors").set_value(0)
    _refused(_submit(app), "Nombre de conseillers", "il faut au moins un conseiller")
