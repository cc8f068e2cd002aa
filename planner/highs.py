"""How the project calls HiGHS (``highspy``): one quiet solver class for every model.

Used by :mod:`planner.access.allocation` (served demand, a linear programme) and
:mod:`planner.optimize.siting_highs` (stop choice, a MILP).
"""

from __future__ import annotations

import highspy


class QuietHighs(highspy.Highs):
    """``highspy.Highs`` with its log off from construction (no banner, no log)."""

    def enableCallbacks(self) -> None:
        # highspy.Highs.__init__ enables its callbacks first thing, and HiGHS writes its
        # banner when callbacks are set while the log is on: switch the log off before.
        self.setOptionValue("output_flag", False)
        super().enableCallbacks()
