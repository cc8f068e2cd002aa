"""First run in the app: the layers the chosen territory lacks, and a button to fetch them.

The notice names each missing layer by its title and what its absence changes (French,
escaped for markdown: no raw file pattern, no italics accident); the button
« Télécharger les données de ce territoire » runs the same fetch as
``planner data fetch --territory`` (:func:`planner.travel.obtain.fetch_territory`: the
layers, then the road graph when none covers the territory) with a progress bar, then says
what was downloaded, or, for each failure, the address that failed and what to do.
"""

from __future__ import annotations

import logging
from typing import Any

import streamlit as st

from app_pages import cache
from planner.config import data_dir
from planner.data import catalog, fetch
from planner.data.needs import EFFECTS
from planner.errors import PlannerError
from planner.outputs.escape import markdown_text
from planner.travel.obtain import ROADS, fetch_territory

log = logging.getLogger("planner.app")

#: Session key of the outcome of the last download (shown after the rerun).
FETCH_OUTCOME = "fetch_outcome"
BUTTON_LABEL = "Télécharger les données de ce territoire"


def _effect(name: str) -> str:
    entry = EFFECTS.get(name)
    return entry[2] if entry else "non prise en compte"


def _departements(communes: Any) -> list[str]:
    return sorted({str(d) for d in communes["departement"].dropna().unique()})


def render(territory: Any, key: str = "missing") -> None:
    """Show the missing layers of the territory, and the button.

    Parameters
    ----------
    territory
        A :class:`planner.territory.Territory` (the road graph is then checked and
        fetched too), or only its commune table (``departement`` column).
    key
        Widget key prefix (one notice per page).
    """
    _show_outcome()
    whole = territory if hasattr(territory, "communes") else None
    communes = whole.communes if whole is not None else territory
    deps = _departements(communes)
    try:
        lacking = [n for n in fetch.missing_for(deps) if n != ROADS]
        if whole is not None and not cache.roads_covered(str(whole.spec), whole):
            lacking.append(ROADS)
    except PlannerError as exc:  # an unreadable manifest: say so, never a traceback
        st.warning(markdown_text(exc), icon=":material/warning:")
        return
    if not lacking:
        return
    layers = catalog.layers()
    downloadable = [n for n in lacking if (layers[n].url and layers[n].fetch_name) or n == ROADS]
    manual = [n for n in lacking if n not in downloadable]
    lines = [f"- **{markdown_text(layers[n].title)}** : {markdown_text(_effect(n))}" for n in lacking]
    with st.container(border=True, key=f"{key}_notice"):
        st.warning("Données absentes pour ce territoire ; les calculs continuent sans elles :\n\n"
                   + "\n".join(lines), icon=":material/database:")
        if manual:
            st.caption("Sans téléchargement public stable : "
                       + " ; ".join(f"{markdown_text(layers[n].title)} — {markdown_text(layers[n].remedy())}"
                                    for n in manual))
        if downloadable and st.button(BUTTON_LABEL, type="primary", key=f"{key}_fetch",
                                      icon=":material/download:"):
            _download(downloadable, whole if whole is not None else deps)


def _download(names: list[str], where: Any) -> None:
    bar = st.progress(0.0, text="Téléchargement…")
    state = {"index": 0, "count": len(names), "title": "", "shown": -1}

    def on_layer(index: int, count: int, layer: catalog.Layer) -> None:
        state.update(index=index, count=count, title=layer.title)
        bar.progress(index / max(count, 1), text=f"{layer.title} ({index + 1}/{count})")

    def progress(received: int, total: int | None) -> None:
        share = received / total if total else 0.0
        step = int(share * 20)
        if step == state["shown"]:
            return
        state["shown"] = step
        overall = (state["index"] + min(share, 1.0)) / max(state["count"], 1)
        bar.progress(min(overall, 1.0), text=f"{state['title']} ({state['index'] + 1}/{state['count']}) "
                     f"— {round(100 * share)} %")

    try:
        if isinstance(where, list):  # only départements known: the layers, no road graph
            results = fetch.fetch(names, root=data_dir(), departements=where, progressbar=False,
                                  progress=progress, on_layer=on_layer, keep_going=True)
        else:
            results = fetch_territory(where, names, progressbar=False, progress=progress,
                                      on_layer=on_layer, keep_going=True)
    except PlannerError as exc:
        st.session_state[FETCH_OUTCOME] = {"failed": [("", str(exc))], "done": []}
    else:
        st.session_state[FETCH_OUTCOME] = {
            "done": [catalog.layer(r.layer).title for r in results
                     if r.status in (fetch.DOWNLOADED, fetch.UNCHANGED)],
            "failed": [(catalog.layer(r.layer).title, r.message) for r in results
                       if r.status == fetch.FAILED],
        }
    bar.progress(1.0, text="Téléchargement terminé")
    st.cache_data.clear()
    st.cache_resource.clear()
    st.rerun()


def _show_outcome() -> None:
    outcome = st.session_state.pop(FETCH_OUTCOME, None)
    if not outcome:
        return
    if outcome["done"]:
        st.success("Téléchargement réussi : " + ", ".join(markdown_text(t) for t in outcome["done"]) + ".",
                   icon=":material/check_circle:")
    for title, message in outcome["failed"]:
        head = f"Le téléchargement de « {markdown_text(title)} » a échoué" if title else "Le téléchargement a échoué"
        st.error(f"{head} : {markdown_text(message)}", icon=":material/cloud_off:")
