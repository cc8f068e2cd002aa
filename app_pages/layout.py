"""The app's look: a sober public-service style after the State design system (DSFR).

Colours are DSFR's (bleu France ``#000091``, text ``#161616``, mention grey ``#3a3a3a``,
grey background ``#f6f6f6``, red marianne ``#e1000f`` for errors), every text at least
4.5:1 against its background. The CSS only tightens Streamlit's own elements (by their
``data-testid``): a compact header so the map starts high on a 1366×768 screen, smaller
key figures whose labels wrap instead of being cut, readable captions. The theme itself
(primary colour, fonts) is in ``.streamlit/config.toml``.
"""

from __future__ import annotations

import streamlit as st

#: DSFR colours used below (contrast on white: 18.7, 10.9, 16.0 : 1).
TEXT, MENTION, BLUE_FRANCE = "#161616", "#3a3a3a", "#000091"

_CSS = f"""
<style>
/* compact header: Streamlit's bar is thin, the page starts right under it */
[data-testid="stHeader"] {{ height: 2.5rem !important; min-height: 2.5rem; background: #ffffff;
  border-bottom: 1px solid #dddddd; }}
[data-testid="stMainBlockContainer"] {{ padding: 3rem 1.5rem 2rem 1.5rem !important; max-width: none; }}
[data-testid="stMain"] h1 {{ font-size: 1.6rem; line-height: 1.25; padding: 0 0 0.1rem 0; color: {TEXT}; }}
[data-testid="stMain"] h2 {{ font-size: 1.3rem; color: {TEXT}; }}
[data-testid="stMain"] h3 {{ font-size: 1.1rem; color: {TEXT}; }}
/* key figures: smaller values, labels and notes wrap instead of being cut */
[data-testid="stMetric"] {{ padding: 0.35rem 0.6rem; }}
[data-testid="stMetricValue"] {{ font-size: 1.45rem; line-height: 1.2; color: {TEXT}; }}
[data-testid="stMetricLabel"], [data-testid="stMetricLabel"] * {{
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  color: {MENTION}; font-size: 0.8rem; line-height: 1.25;
}}
[data-testid="stMetricDelta"], [data-testid="stMetricDelta"] * {{
  white-space: normal !important; overflow: visible !important; text-overflow: clip !important;
  color: {MENTION} !important; font-size: 0.75rem; line-height: 1.25;
}}
[data-testid="stMetricDelta"] {{ background: transparent !important; padding-left: 0; }}
/* captions and notes: DSFR mention grey (10.9:1), not Streamlit's pale grey (about 3.6:1) */
[data-testid="stCaptionContainer"], [data-testid="stCaptionContainer"] * {{ color: {MENTION} !important; }}
[data-testid="stMain"] a {{ color: {BLUE_FRANCE}; }}
/* tighter vertical rhythm in the main column */
[data-testid="stMain"] [data-testid="stVerticalBlock"] {{ gap: 0.6rem; }}
/* phones: no side padding lost, the map takes the width */
@media (max-width: 640px) {{
  [data-testid="stMainBlockContainer"] {{ padding-left: 1rem !important; padding-right: 1rem !important; }}
  [data-testid="stMain"] h1 {{ font-size: 1.3rem; }}
  [data-testid="stMetricValue"] {{ font-size: 1.2rem; }}
  /* key figures in one row that scrolls sideways, rather than one per screen line: the map
     comes right after them */
  [data-testid="stHorizontalBlock"]:has([data-testid="stMetric"]) {{ flex-direction: row; flex-wrap: nowrap;
    overflow-x: auto; gap: 0.5rem; scroll-snap-type: x mandatory; }}
  [data-testid="stHorizontalBlock"]:has([data-testid="stMetric"]) > [data-testid="stColumn"] {{
    min-width: 44% !important; flex: 0 0 44% !important; width: 44% !important; scroll-snap-align: start; }}
}}
</style>
"""


def apply_style() -> None:
    """Add the app's CSS to the page (once per run, before any page content)."""
    st.html(_CSS)
