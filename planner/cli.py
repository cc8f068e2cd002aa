"""The ``planner`` command (Typer). It parses options, calls ``planner`` and prints;
it holds no analysis logic. Every message is in French; errors never show a traceback."""

from __future__ import annotations

import json
import logging
import sys
from typing import Any, Callable

import typer

from planner.schema import NETWORKS, DataError

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


TerritoryOpt = typer.Option("2A,2B", "--territory", "-t", help="Départements, EPCI (SIREN), communes (INSEE) ou « france », séparés par des virgules.")
JsonOpt = typer.Option(False, "--json", help="Sortie JSON (un seul objet).")


@app.command("layers")
def layers_cmd(territory: str = TerritoryOpt, as_json: bool = JsonOpt) -> None:
    """Communes, population et sites de chaque réseau du territoire, avec leurs sources."""
    from planner.inventory import layers_summary
    from planner.territory import select

    summary = layers_summary(select(territory))

    def render(s: dict) -> str:
        lines = [f"Territoire : {s['label']} ({s['territory']})",
                 f"Communes : {s['communes']}", f"Population : {s['population']:,}".replace(",", " "),
                 "Sites dans le territoire :"]
        lines += [f"  {NETWORKS[k][0]} : {v}" for k, v in s["sites"].items()]
        lines.append("Lignes écartées ou signalées (fichiers entiers) :")
        lines += [f"  {k} : {v['rejected']} écartées, {v['suspect']} signalées" for k, v in s["skipped_rows"].items()]
        return "\n".join(lines)

    emit(summary, as_json, render)


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
