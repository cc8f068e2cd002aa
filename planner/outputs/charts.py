"""Charts of the app (Altair): the operating modes compared."""

from __future__ import annotations

import altair as alt

from planner.optimize.modes import MODES, Comparison

#: Figures drawn by :func:`modes_chart`, in order, with their (short) French panel titles.
CHART_COLUMNS: dict[str, str] = {
    "demand_new": "Demande nouvellement à moins de {T} min",
    "weighted_presence_hours": "Présence pondérée par la demande (h/sem.)",
    "drive_hours": "Conduite (h/sem.)",
    "demand_per_advisor_hour": "Demande servie par heure de conseiller",
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
    demand served per advisor-hour, panels with independent scales.
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
            y=alt.Y("valeur:Q", title=None, axis=alt.Axis(format="~s")),
            color=alt.Color(
                "label:N",
                sort=domain,
                scale=alt.Scale(domain=domain, range=colours),
                legend=alt.Legend(title="Mode", orient="bottom"),
            ),
            tooltip=[
                alt.Tooltip("label:N", title="Mode"),
                alt.Tooltip("indicateur:N", title="Indicateur"),
                alt.Tooltip("valeur:Q", title="Valeur", format=",.2f"),
            ],
        )
        .properties(width=170, height=200)
    )
    return bars.facet(
        facet=alt.Facet("indicateur:N", title=None, sort=[titles[c] for c in CHART_COLUMNS],
                        header=alt.Header(labelLimit=260)),
        columns=2,
    ).resolve_scale(y="independent")
