"""First run in the app, in a real browser: the Données page names the layers the territory
lacks and its button « Télécharger les données de ce territoire » runs the fetch against a
loopback server answering like the official endpoints (``PLANNER_FETCH_BASE_URL``),
with a progress bar, then a French success message, or a French failure message naming
the address and what to do.

The data folder is the real snapshots (symlinked) without two INSEE layers: the density
grid and the comparateur (served as the zip built from the real CSV).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.app import _server as server
from tests.data import _official_server as official

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.xdist_group("browser")]

BUTTON = "Télécharger les données de ce territoire"
COMPARATEUR_PATH = "/indicators/comparateur_2024/communes_latest.csv"
DENSITE_PATH = "/indicators/densite/grille_densite_latest.xlsx"


def _data_folder(real_data: Path, root: Path) -> Path:
    """The real snapshot folder, symlinked, without the density grid and the comparateur."""
    root.mkdir()
    for entry in real_data.iterdir():
        if entry.name != "indicators":
            (root / entry.name).symlink_to(entry)
    (root / "indicators").mkdir()
    for entry in (real_data / "indicators").iterdir():
        if entry.name not in ("densite", "comparateur_2024"):
            (root / "indicators" / entry.name).symlink_to(entry)
    return root


@pytest.fixture(scope="module")
def loopback(real_data):
    srv = official.start(real_data, ["densite", "comparateur"])
    yield srv
    srv.close()


@pytest.fixture(scope="module")
def app_server(real_data, loopback, tmp_path_factory):
    """``streamlit run app.py`` reading the incomplete data folder, fetching from loopback."""
    data = _data_folder(real_data, tmp_path_factory.mktemp("fetch") / "data")
    log = tmp_path_factory.mktemp("streamlit_fetch") / "server.log"
    with server.app_server(data, log, env={"PLANNER_FETCH_BASE_URL": loopback.base}) as url:
        yield url, data


@pytest.fixture(scope="module")
def tab(app_server):
    url, _ = app_server
    with server.chromium() as browser:
        context, page = server.new_tab(browser, url)
        yield page
        context.close()


def test_download_button_fails_then_succeeds(tab, app_server, loopback) -> None:
    url, data = app_server
    # first try: the density grid comes slowly (the progress bar shows), the comparateur is 404
    loopback.behaviours[DENSITE_PATH] = official.Behaviour(stall_s=4.0)
    loopback.behaviours[COMPARATEUR_PATH] = official.Behaviour(status=404)
    tab.goto(f"{url}/donnees")
    notice = tab.get_by_text("Données absentes pour ce territoire")
    notice.wait_for()
    text = tab.locator("[data-testid='stAlert']").first.inner_text()
    assert "Grille communale de densité (4 niveaux) : vitesses par défaut" in text
    assert "Comparateur de territoires — population, chômage : taux de chômage non renseigné" in text
    assert "*" not in text and "grille_densite_*" not in tab.content()  # no raw file pattern
    tab.get_by_role("button", name=BUTTON).click()
    progress = tab.locator("[data-testid='stProgress']")
    progress.wait_for()
    assert "Grille communale de densité (4 niveaux) (1/2)" in tab.locator("body").inner_text()

    failure = tab.get_by_text("Le téléchargement de « Comparateur de territoires — population, chômage » a échoué")
    failure.wait_for()
    message = tab.locator("[data-testid='stAlert']").filter(has_text="a échoué").inner_text()
    assert f"{loopback.base}{COMPARATEUR_PATH}" in message and "404" in message
    assert "à la main ici" in message  # what to do
    assert "Traceback" not in tab.content()
    tab.get_by_text("Téléchargement réussi : Grille communale de densité (4 niveaux).").wait_for()
    assert (data / "indicators/densite/grille_densite_latest.xlsx").is_file()

    # second try: the comparateur is served; the notice then goes away
    loopback.behaviours.clear()
    tab.get_by_role("button", name=BUTTON).click()
    tab.get_by_text("Téléchargement réussi : Comparateur de territoires — population, chômage.").wait_for()
    assert (data / "indicators/comparateur_2024/communes_latest.csv").is_file()
    tab.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=240_000)
    tab.wait_for_timeout(1500)
    assert tab.get_by_role("button", name=BUTTON).count() == 0
    assert tab.get_by_text("Données absentes pour ce territoire").count() == 0
