"""French words for the bits of Streamlit's own interface the app cannot set in Python.

Streamlit writes a few fixed English texts: the file uploader's « Upload » button and
« 200MB per file • CSV, … » line, the « Press Enter to apply » hint under text inputs.
This CSS hides them and draws French text in their place (``::after``); everything else
is set in Python (``placeholder=``, ``enter_to_submit=False``) or in
``.streamlit/config.toml`` (no « Deploy » button, no developer menu). The look of the
app (colours, spacing) is :mod:`app_pages.layout`.
"""

from __future__ import annotations

import streamlit as st

#: The upload limit Streamlit applies (``server.maxUploadSize``, 200 Mo by default); the
#: Données page's uploader (key ``uploader``) also names the kinds of file it takes.
UPLOAD_TEXT = "Jusqu'à 200 Mo par fichier"
SITES_UPLOAD_TEXT = "Jusqu'à 200 Mo par fichier : CSV, TXT, TSV, XLSX, XLSM, GeoJSON, JSON, GeoPackage"
BROWSE_TEXT = "Parcourir…"

_CSS = f"""
<style>
[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"] [data-testid="stMarkdownContainer"] p {{
  font-size: 0; }}
[data-testid="stFileUploaderDropzone"] [data-testid="stBaseButton-secondary"] [data-testid="stMarkdownContainer"] p::after {{
  content: "{BROWSE_TEXT}"; font-size: 0.875rem; }}
[data-testid="stFileUploaderDropzoneInstructions"] span {{ font-size: 0; }}
[data-testid="stFileUploaderDropzoneInstructions"] span::after {{ content: "{UPLOAD_TEXT}"; font-size: 0.8rem; }}
.st-key-uploader [data-testid="stFileUploaderDropzoneInstructions"] span::after {{ content: "{SITES_UPLOAD_TEXT}"; }}
[data-testid="InputInstructions"] {{ display: none; }}
</style>
"""


def apply() -> None:
    """Add the CSS that puts French words in place of Streamlit's fixed English ones."""
    st.html(_CSS)
