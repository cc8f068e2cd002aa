"""The ``planner`` command (Typer). It parses options, calls ``planner`` and prints;
it holds no analysis logic. Every message is in French; errors never show a traceback."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any, Callable

import typer

from planner.schema import DataError

app = typer.Typer(
    help="Planificateur de couverture territoriale pour l'inclusion numérique.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
data_app = typer.Typer(help="Données sources : téléchargement et état.", no_args_is_help=True)
app.add_typer(data_app, name="data")


def emit(payload: Any, as_json: bool, render: Callable[[Any], str] | None = None) -> None:
    """Print a result as one JSON object, or as French text."""
    if as_json:
        typer.echo(json.dumps(payload, ensure_ascii=False, default=str))
    else:
        typer.echo(render(payload) if render else json.dumps(payload, ensure_ascii=False, indent=2, default=str))


def main() -> None:
    """Entry point: run the app, turning known errors into French messages (exit 2)."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(message)s")
    try:
        app()
    except DataError as exc:
        typer.echo(f"Erreur : {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        typer.echo("Interrompu.", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
