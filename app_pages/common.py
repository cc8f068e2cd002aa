"""What every page of the app shares: the sidebar choices, cached calls to ``planner``
(defined in :mod:`app_pages.cache`, re-exported here), the user's uploaded layers and the
error guard. The look (CSS) is in :mod:`app_pages.layout`.

No analysis here: these functions only call ``planner`` and cache its results keyed by
their inputs (territory spec, networks, threshold, site kinds, demand settings and the
uploaded files' content), so that moving the map, toggling a layer or switching pages
never recomputes travel times.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import tempfile
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import streamlit as st

from app_pages import data_notice
from app_pages.cache import (  # noqa: F401 (re-exported: pages call common.<name>)
    DEFAULT_DEPARTEMENTS,
    all_sites,
    area_shapes,
    commune_matches,
    communes_table,
    coverage,
    demand_model,
    departement_options,
    epci_options,
    isochrones,
    sites_with_user,
    territory,
    territory_sites,
    travel_model,
)
from app_pages.map_frame import map_first, show_map  # noqa: F401 (re-exported: pages call common.<name>)
from planner import fr
from planner.config import DEFAULT_THRESHOLD_MIN, HELP_NETWORKS, cache_dir
from planner.data.schema import NETWORKS, LoadReport
from planner.data.sources.user_files import load_user_file
from planner.errors import DataError, PlannerError, SettingsError, SolverError
from planner.outputs.escape import markdown_text, neutralize

log = logging.getLogger("planner.app")

#: Above this many communes, maps aggregate communes into EPCIs, then départements.
EPCI_MAP_ABOVE = 1_500
DEPARTEMENT_MAP_ABOVE = 6_000
#: Networks shown on maps even when not counted (La Poste: candidate hosts).
SHOWN_NOT_COUNTED = ("la_poste",)
#: Session-state keys (not widgets: they survive page switches).
USER_LAYERS = "user_layers"
UPLOAD_ERRORS = "upload_errors"
DEMAND_SETTINGS = "demand_settings"
SELECTION = "selection"

_MODES = ("Départements", "EPCI", "Commune", "France métropolitaine")
_ERROR_TITLES: dict[type, str] = {
    DataError: "Données inutilisables", SettingsError: "Réglage impossible", SolverError: "Calcul impossible",
}


# --------------------------------------------------------------------------- errors


@contextmanager
def guard(what: str = "cette page") -> Iterator[None]:
    """Show a French message instead of a traceback when the body fails.

    A :class:`~planner.errors.PlannerError` shows its message (the file, row and column of
    a :class:`~planner.errors.DataError`, the setting of a
    :class:`~planner.errors.SettingsError`, and what to do); any other error shows a
    generic message and is logged with its traceback. Streamlit's own control flow
    (``st.stop``, ``st.rerun``) passes through.
    """
    try:
        yield
    except PlannerError as exc:
        title = _ERROR_TITLES.get(type(exc), "Calcul impossible")
        st.error(f"**{title}** — {markdown_text(error_text(exc))}", icon=":material/warning:")
        if isinstance(exc, DataError) and not exc.hint:
            st.caption("Vérifiez les fichiers de données (page « Données ») ou changez de territoire.")
    except Exception as exc:
        log.error("erreur dans %s : %s\n%s", what, exc, traceback.format_exc())
        st.error(
            f"**Une erreur inattendue a empêché l'affichage de {what}.** "
            "Essayez un autre territoire ou d'autres réglages ; si elle persiste, signalez-la "
            f"avec ce détail : « {type(exc).__name__} : {str(exc)[:300]} ».",
            icon=":material/warning:",
        )


def form_label(setting: str) -> str:
    """A setting as the app's form shows it: « nombre d'arrêts (--stops) » → « Nombre d'arrêts »."""
    label = re.sub(r"\s*\(--[^)]*\)\s*$", "", setting).strip()
    return label[:1].upper() + label[1:]


def error_text(exc: PlannerError) -> str:
    """The French message of an error, a setting named by its form label (not its CLI option)."""
    if isinstance(exc, SettingsError) and exc.setting:
        text = f"« {form_label(exc.setting)} » : {exc.message}"
        return text + (f" — {exc.hint}" if exc.hint else "")
    return str(exc)


# --------------------------------------------------------------------------- user layers


def user_layers() -> dict[str, dict[str, Any]]:
    """The user's uploaded layers (name → ``{"sha", "sites", "report"}``), kept for the session."""
    return st.session_state.setdefault(USER_LAYERS, {})


def upload_errors() -> dict[str, pd.DataFrame]:
    """Error tables of the uploads that failed, by file name."""
    return st.session_state.setdefault(UPLOAD_ERRORS, {})


def user_sites() -> tuple[tuple, gpd.GeoDataFrame | None]:
    """Hashable key of the uploaded layers and their sites concatenated (``None`` if none)."""
    layers = user_layers()
    if not layers:
        return (), None
    key = tuple(sorted((name, layer["sha"]) for name, layer in layers.items()))
    frames = [layer["sites"] for _, layer in sorted(layers.items())]
    sites = gpd.GeoDataFrame(pd.concat(frames, ignore_index=True), geometry="geometry", crs=frames[0].crs)
    return key, sites


def error_table(exc: DataError) -> pd.DataFrame:
    """One-row table (French headers) of an error that made a whole file unusable
    (« ligne » is text: the line named by the error, else « fichier entier »)."""
    return pd.DataFrame([{
        "ligne": str(exc.row) if exc.row is not None else "fichier entier",
        "colonne": exc.column or "", "motif": exc.message,
        "action": "fichier refusé", "que faire": exc.hint or "",
    }])


def add_upload(name: str, data: bytes) -> bool:
    """Validate an uploaded file and add it to the session's layers.

    On failure the error table is kept under the file's name and nothing already loaded
    is lost. Returns whether the file was added.
    """
    sha = hashlib.sha256(data).hexdigest()
    layers, errors = user_layers(), upload_errors()
    if name in layers and layers[name]["sha"] == sha:
        return True
    safe = Path(name).name or "fichier"
    folder = Path(tempfile.mkdtemp(prefix=f"upload-{sha[:12]}-", dir=cache_dir()))
    path = folder / safe
    report: LoadReport | None = None
    try:
        path.write_bytes(data)
        sites, report = load_user_file(path, communes_table())
        if not len(sites):
            raise DataError("aucun site utilisable dans ce fichier", file=safe,
                            hint="corrigez les lignes signalées ci-dessous puis rechargez le fichier")
    except DataError as exc:
        table = error_table(exc)
        if report is not None and len(report.issues):
            table = pd.concat([table, report.as_frame().astype({"ligne": str})], ignore_index=True)
        errors[name] = table
        return False
    except Exception as exc:
        log.warning("fichier ajouté illisible %s : %s", safe, exc)
        errors[name] = error_table(DataError(
            f"fichier illisible ({type(exc).__name__})", file=safe,
            hint="vérifiez qu'il s'agit bien d'un CSV, XLSX, GeoJSON ou GeoPackage de sites"))
        return False
    finally:
        path.unlink(missing_ok=True)
        folder.rmdir()
    report.file = safe
    layers[name] = {"sha": sha, "sites": sites, "report": report}
    errors.pop(name, None)
    return True


def remove_upload(name: str) -> None:
    """Forget an uploaded layer."""
    user_layers().pop(name, None)


# --------------------------------------------------------------------------- demand


def demand_settings() -> dict[str, Any]:
    """The demand-model settings changed by the user (empty: defaults)."""
    return st.session_state.setdefault(DEMAND_SETTINGS, {})


def demand_key() -> str:
    """Hashable key of the demand settings."""
    settings = demand_settings()
    return json.dumps(settings, sort_keys=True) if settings else ""


# --------------------------------------------------------------------------- selection


@dataclass
class Selection:
    """What the sidebar selected, shared by every page."""

    spec: str | None
    networks: tuple[str, ...] = ()
    threshold: float = DEFAULT_THRESHOLD_MIN
    kinds: tuple[tuple[str, tuple[str, ...]], ...] = ()
    error: PlannerError | None = None
    user_key: tuple = ()
    user_sites: gpd.GeoDataFrame | None = field(default=None, repr=False)
    demand_key: str = ""

    def coverage(self, networks: tuple[str, ...] | None = None, level: str = "iris"):
        """The cached coverage of this selection (``networks`` overrides the counted ones)."""
        return coverage(self.spec, networks or self.networks, float(self.threshold), self.kinds,
                        self.demand_key, self.user_key, level, _user_sites=self.user_sites)

    def shown_networks(self) -> tuple[str, ...]:
        """Networks shown but not counted (La Poste unless counted)."""
        return tuple(n for n in SHOWN_NOT_COUNTED if n not in self.networks)

    def territory(self):
        """The selected territory."""
        return territory(self.spec)

    def sites(self) -> gpd.GeoDataFrame:
        """Sites of the territory (and its buffer) with the user's layers."""
        return sites_with_user(self.spec, self.user_key, self.user_sites)


def _territory_picker() -> str | None:
    mode = st.sidebar.radio("Territoire", _MODES, key="territory_mode", horizontal=False)
    if mode == "Départements":
        options = departement_options()
        chosen = st.sidebar.multiselect(
            "Départements", list(options), default=list(DEFAULT_DEPARTEMENTS),
            format_func=options.get, key="departements", placeholder="Choisissez un ou plusieurs départements",
        )
        return ",".join(chosen) if chosen else None
    if mode == "EPCI":
        options = epci_options()
        chosen = st.sidebar.selectbox("EPCI", list(options), format_func=options.get, key="epci",
                                      index=None, placeholder="Tapez le nom de l'EPCI")
        return chosen
    if mode == "Commune":
        query = st.sidebar.text_input("Rechercher une commune", key="commune_query",
                                      placeholder="nom ou code INSEE, par exemple « Corte »")
        matches = commune_matches(query)
        if query and not matches:
            st.sidebar.warning("Aucune commune ne correspond à cette recherche.")
        if st.session_state.get("commune") not in matches:  # a new search: take its best match
            st.session_state["commune"] = next(iter(matches), None)
        chosen = st.sidebar.selectbox("Commune", list(matches), format_func=matches.get, key="commune",
                                      placeholder="Choisissez une commune")
        return chosen
    return "france"


def _kinds_picker(spec: str, networks: list[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    sites = territory_sites(spec)
    chosen: list[tuple[str, tuple[str, ...]]] = []
    with st.sidebar.expander("Types de sites comptés"):
        st.caption("Par réseau, décochez les types à ne pas compter (par exemple les bus France Services).")
        for network in networks:
            kinds = sorted(sites.loc[sites["network"] == network, "kind"].dropna().astype("str").unique())
            if len(kinds) < 2:
                continue
            keep = st.multiselect(NETWORKS[network][0], kinds, default=kinds, key=f"kinds_{network}_{spec}",
                                  placeholder="Choisissez des types de sites")
            if set(keep) != set(kinds):
                chosen.append((network, tuple(sorted(keep))))
    return tuple(chosen)


def sidebar() -> Selection:
    """Render the shared sidebar (territory, networks, kinds, threshold) and return the selection."""
    st.session_state[SELECTION] = None
    st.session_state[_SIDEBAR_DRAWN] = True
    user_key, sites = user_sites()
    selection = Selection(spec=None, user_key=user_key, user_sites=sites, demand_key=demand_key())
    try:
        spec = _territory_picker()
        networks = st.sidebar.multiselect(
            "Réseaux comptés comme aide",
            [n for n in NETWORKS if n != "custom"], default=list(HELP_NETWORKS),
            format_func=lambda n: NETWORKS[n][0], key="networks", placeholder="Choisissez des réseaux",
            help="La Poste est affichée sur les cartes mais n'est comptée que si vous la choisissez ici.",
        )
        if user_key:
            count = sum(len(layer["sites"]) for layer in user_layers().values())
            if st.sidebar.checkbox(f"Compter les sites ajoutés ({count})", value=True, key="count_custom"):
                networks = [*networks, "custom"]
        threshold = st.sidebar.slider("Seuil d'accès (minutes)", 10, 60, int(DEFAULT_THRESHOLD_MIN), step=5,
                                      key="threshold", help="30 minutes : engagement national France Services.")
        selection.threshold = float(threshold)
        if not networks:
            raise SettingsError("aucun réseau sélectionné", setting="Réseaux comptés comme aide",
                                hint="choisissez au moins un réseau compté comme aide dans le panneau de gauche")
        selection.networks = tuple(networks)
        if spec is None:
            raise SettingsError("aucun territoire choisi", setting="Territoire",
                                hint="choisissez un département, un EPCI ou une commune dans le panneau de gauche")
        territory(spec)
        selection.kinds = _kinds_picker(spec, networks)
        selection.spec = spec
    except PlannerError as exc:
        selection.error = exc
    st.session_state[SELECTION] = selection
    return selection


#: Session-state flag: the sidebar has been drawn once in this session.
_SIDEBAR_DRAWN = "_sidebar_drawn"


def page_before_sidebar() -> bool:
    """Whether this run draws the page before the sidebar: a session's first run, where every
    sidebar widget holds its default, so the browser gets the page's map first.

    The page then reads :func:`default_selection`; :func:`sidebar`, drawn afterwards, checks
    that its widgets made the same selection (else the app runs again with theirs).
    """
    return not st.session_state.get(_SIDEBAR_DRAWN, False)


def default_selection() -> Selection:
    """The selection the sidebar makes before any choice (default territory, networks, threshold)."""
    user_key, sites = user_sites()
    selection = Selection(spec=",".join(DEFAULT_DEPARTEMENTS), networks=tuple(HELP_NETWORKS),
                          threshold=float(DEFAULT_THRESHOLD_MIN), user_key=user_key, user_sites=sites,
                          demand_key=demand_key())
    st.session_state[SELECTION] = selection
    return selection


def _same(a: Selection, b: Selection) -> bool:
    fields = ("spec", "networks", "threshold", "kinds", "user_key", "demand_key")
    return a.error is None and b.error is None and all(getattr(a, f) == getattr(b, f) for f in fields)


def late_sidebar(expected: Selection) -> None:
    """Draw the sidebar after a page drawn with ``expected``; run again if its widgets differ."""
    st.session_state[_SIDEBAR_DRAWN] = True
    if not _same(sidebar(), expected):
        st.rerun()


def current() -> Selection:
    """The selection made by the sidebar in this run; stops the page with a French message if unusable."""
    selection: Selection | None = st.session_state.get(SELECTION)
    if selection is None:
        st.error("Le panneau de sélection n'a pas pu être affiché.", icon=":material/warning:")
        st.stop()
    if selection.error is not None:
        st.warning(markdown_text(error_text(selection.error)), icon=":material/explore:")
        st.stop()
    with guard("la liste des données absentes"):
        data_notice.render(territory(selection.spec))
    return selection


def map_level(n_communes: int) -> str:
    """Level at which maps draw areas: ``insee``, ``epci`` or ``departement``."""
    if n_communes > DEPARTEMENT_MAP_ABOVE:
        return "departement"
    if n_communes > EPCI_MAP_ABOVE:
        return "epci"
    return "insee"


def network_table_style(frame: pd.DataFrame, column: str = "réseau") -> Any:
    """Style a table so each network label carries its colour (a coloured disc in a first
    ``couleur`` column; show it with ``COLOUR_COLUMN`` as its column config)."""
    colours = {label: colour for label, colour in NETWORKS.values()}
    out = frame.copy()
    out.insert(0, "couleur", ["●"] * len(out))

    def colour(row: pd.Series) -> list[str]:
        css = f"color: {colours.get(row[column], '#333333')}; font-size: 1.2em"
        return [css if c == "couleur" else "" for c in row.index]

    return out.style.apply(colour, axis=1)


#: Integer columns shown without thousands separators (row numbers, years, ranks).
PLAIN_COLUMNS = ("ligne", "année", "millésime", "rang", "semaine")


def _plain(value: Any) -> str:
    try:
        return str(int(value))
    except (TypeError, ValueError):
        return "—"


def french_formats(frame: pd.DataFrame, percent: tuple[str, ...] = (),
                   digits: int | None = None) -> dict[Any, Any]:
    """Column → function giving the French text of each value (numbers and shares only).

    Shares in ``percent`` read ``88,4 %``; integers ``296 132`` (plain for
    :data:`PLAIN_COLUMNS`); decimals keep ``digits`` decimals, else at most two.
    """
    formats: dict[Any, Any] = {}
    for column in frame.columns:
        series = frame[column]
        if column in percent:
            formats[column] = lambda v: fr.percent(v, missing="—")
        elif pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
            continue
        elif pd.api.types.is_integer_dtype(series):
            plain = str(column).lower().startswith(PLAIN_COLUMNS)
            formats[column] = _plain if plain else (lambda v: fr.integer(v, missing="—"))
        elif digits is not None:
            formats[column] = lambda v, d=digits: fr.number(v, d, missing="—")
        else:
            formats[column] = lambda v: fr.decimal(v, 2, missing="—")
    return formats


def table(frame: pd.DataFrame, *, key: str | None = None, percent: tuple[str, ...] = (),
          styled: bool = False, digits: int | None = None, **kwargs: Any) -> None:
    """Show a table with French number formats (and percentages), the index hidden.

    The French text is the table's display (a pandas ``Styler`` format, which Streamlit
    shows as is whatever the browser's locale) while the cells keep their numbers, so
    columns still sort numerically. ``styled``: colour each network label (see
    :func:`network_table_style`); ``digits``: decimals of the decimal columns.
    """
    frame = frame.reset_index(drop=True)  # a Styler needs a unique index (hidden anyway)
    config: dict[str, Any] = {}
    if styled:
        config.update(COLOUR_COLUMN)
    config.update(kwargs.pop("column_config", {}))
    data = network_table_style(frame) if styled else frame.style
    data = data.format(french_formats(frame, percent, digits))
    st.dataframe(data, hide_index=True, column_config=config, key=key, **kwargs)


def csv_bytes(frame: pd.DataFrame) -> bytes:
    """A table as CSV for French Excel: UTF-8 with BOM, ``;``, decimal comma, formulas neutralized."""
    out = frame.copy()
    for column in out.columns:
        if not pd.api.types.is_numeric_dtype(out[column]):
            out[column] = out[column].map(neutralize).astype(object)
    return out.to_csv(index=False, sep=";", decimal=",").encode("utf-8-sig")


#: Column config of the ``couleur`` column added by :func:`network_table_style`.
COLOUR_COLUMN = {"couleur": st.column_config.TextColumn("", width=32)}
