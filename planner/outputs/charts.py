"""Charts of the app (Altair): the networks' complementarity and the operating modes compared.

Every chart carries the French number and time locale (:data:`planner.fr.CHART_LOCALE`)
in its ``config``: axes read « 20 000 » and « 0,5 » whatever the browser's language, and
no axis uses SI suffixes (« 3.5k »).
"""

from __future__ import annotations

from typing import TypeVar

import altair as alt
import pandas as pd

from planner import fr
from planner.data.schema import NETWORKS
from planner.optimize.modes import MODES, Comparison

_Chart = TypeVar("_Chart", alt.Chart, alt.FacetChart, alt.LayerChart)

#: Figures drawn by :func:`modes_chart`, in order, with their (short) French panel titles.
CHART_COLUMNS: dict[str, str] = {
    "demand_new": "Demande nouvellement à moins de {T} min",
    "weighted_presence_hours": "Présence pondérée par la demande (h/sem.)",
    "drive_hours": "Conduite (h/sem.)",
    "served_added": "Demande servie en plus des sites existants (par an)",
}


def modes_chart(comparison: Comparison) -> alt.FacetChart:
    """Return the comparison as bar panels, one per figure, each mode in its network's colour.

    Parameters
    ----------
    comparison
        From :func:`planner.optimize.modes.compare_modes`.

    Returns
    -------
    ``altair.FacetChart`` (``st.altair_chart(modes_chart(comparison))`` in the app): the
    new demand within ``T``, the weighted presence hours, the driving hours and the
    demand served in addition to the existing sites (a year), panels with independent scales.
    """
    frame = comparison.table
    titles = {c: t.format(T=f"{comparison.threshold:g}") for c, t in CHART_COLUMNS.items()}
    long = frame.melt(id_vars=["mode", "label"], value_vars=list(CHART_COLUMNS), var_name="figure")
    long["indicateur"] = long["figure"].map(titles)
    long["valeur"] = long["value"].astype(float).round(2)
    domain = [MODES[m].label for m in frame["mode"]]
    colours = [MODES[m].colour for m in frame["mode"]]
    bars = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            x=alt.X("label:N", sort=domain, title=None, axis=alt.Axis(labelAngle=0)),
            y=alt.Y("valeur:Q", title=None),
            color=alt.Color(
                "label:N",
                sort=domain,
                scale=alt.Scale(domain=domain, range=colours),
                legend=alt.Legend(title="Mode", orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("label:N", title="Mode"),
                alt.Tooltip("indicateur:N", title="Indicateur"),
                alt.Tooltip("valeur:Q", title="Valeur", format=",.2~f"),
            ],
        )
        .properties(width=170, height=200)
    )
    return french(bars.facet(
        facet=alt.Facet("indicateur:N", title=None, sort=[titles[c] for c in CHART_COLUMNS],
                        header=alt.Header(labelLimit=260)),
        columns=2,
    ).resolve_scale(y="independent"))


def french(chart: _Chart) -> _Chart:
    """Return ``chart`` with the French number and time locale in its configuration."""
    return chart.configure(locale=fr.CHART_LOCALE)


def network_chart(table: pd.DataFrame, threshold: float) -> alt.Chart:
    """Bars of the population within the threshold of each network, in its colour.

    Parameters
    ----------
    table
        One row per network: ``réseau`` (French label), ``population à moins du seuil`` and
        ``population couverte par ce seul réseau``.
    threshold
        The access threshold, in minutes (axis title).
    """
    labels = table["réseau"].tolist()
    colours = {label: colour for label, colour in NETWORKS.values()}
    chart = (
        alt.Chart(table)
        .mark_bar()
        .encode(
            y=alt.Y("réseau:N", sort=labels, title=None),
            x=alt.X("population à moins du seuil:Q", title=f"Population à moins de {fr.duration(threshold)}"),
            color=alt.Color("réseau:N", scale=alt.Scale(domain=labels, range=[colours.get(lab, "#666666")
                                                                              for lab in labels]), legend=None),
            tooltip=[alt.Tooltip("réseau:N", title="Réseau"),
                     alt.Tooltip("population à moins du seuil:Q", format=",.0f"),
                     alt.Tooltip("population couverte par ce seul réseau:Q", format=",.0f")],
        )
        .properties(height=max(120, 28 * len(labels)))
    )
    return french(chart)
