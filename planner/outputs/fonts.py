"""The font of every PDF the planner writes: DejaVu Sans, bundled with matplotlib.

DejaVu Sans has every French accent and the typographic signs the texts use (« », –, ’,
narrow no-break space); matplotlib ships it, so no system font is needed.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

from planner.errors import DataError


def font_paths() -> tuple[Path, Path]:
    """Return the paths of DejaVu Sans regular and bold from matplotlib's bundled fonts.

    Raises
    ------
    DataError
        When matplotlib's copy of the font is missing.
    """
    folder = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    paths = folder / "DejaVuSans.ttf", folder / "DejaVuSans-Bold.ttf"
    for path in paths:
        if not path.is_file():
            raise DataError("police DejaVu introuvable", file=path, hint="réinstallez matplotlib")
    return paths
