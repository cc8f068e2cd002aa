"""The error family: every error a user can see is a :class:`PlannerError`, in French.

- :class:`DataError`: a file (or a value in it) that cannot be used; names the file,
  the row and the column.
- :class:`SettingsError`: a setting or parameter out of range, named as the user sees it
  (the CLI option or the form field), in French.
- :class:`SolverError`: an optimiser that failed or returned no usable solution.

Callers catch :class:`PlannerError`.
"""

from __future__ import annotations

from pathlib import Path


class PlannerError(Exception):
    """Base of every error the planner explains to its user, in French.

    Parameters
    ----------
    message
        What is wrong, in French.
    hint
        What the user should do, in French.
    """

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(str(self))

    def _where(self) -> list[str]:
        return []

    def __str__(self) -> str:
        where = self._where()
        text = (", ".join(where) + " : " if where else "") + self.message
        if self.hint:
            text += f" — {self.hint}"
        return text


class DataError(PlannerError, ValueError):
    """A file (or a value in it) that cannot be used, explained in French.

    Parameters
    ----------
    message
        What is wrong, in French.
    file
        The file concerned, if any.
    row
        The line number in the file (header included, 1-based), if any.
    column
        The column concerned, if any.
    hint
        What the user should do, in French.
    """

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        row: int | None = None,
        column: str | None = None,
        hint: str | None = None,
    ) -> None:
        self.file = str(file) if file is not None else None
        self.row = row
        self.column = column
        super().__init__(message, hint=hint)

    def _where(self) -> list[str]:
        where = []
        if self.file:
            where.append(f"fichier « {Path(self.file).name} »")
        if self.row is not None:
            where.append(f"ligne {self.row}")
        if self.column:
            where.append(f"colonne « {self.column} »")
        return where


class SettingsError(PlannerError, ValueError):
    """A setting or parameter that cannot be used, named as the user sees it.

    Parameters
    ----------
    message
        What is wrong, in French.
    setting
        The setting as the user sees it (« nombre de conseillers », ``--advisors``).
    hint
        What the user should do, in French.
    """

    def __init__(self, message: str, *, setting: str | None = None, hint: str | None = None) -> None:
        self.setting = setting
        super().__init__(message, hint=hint)

    def _where(self) -> list[str]:
        return [f"réglage « {self.setting} »"] if self.setting else []


class SolverError(PlannerError, RuntimeError):
    """An optimiser (HiGHS, PyVRP) that failed or found no usable solution."""
