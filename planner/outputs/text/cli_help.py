"""French text of the command line's own words: usage line, help panels, ``--help``, errors.

Typer (with its vendored click) prints fixed English strings: « Usage: », « Show this
message and exit. », « [default: …] », « No such option »…, some through ``gettext``,
some written in its code, its panel titles as constants computed at import. Rather than
a compiled catalogue for one language, :func:`install` (called by ``planner.cli`` before
the app is built) sets those constants and wraps the few methods that write the others;
type names beside options (``<str>``, ``<int>``) read ``<texte>``, ``<entier>``…
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import typer._click.core as click_core
import typer._click.exceptions as click_exceptions
import typer._click.formatting as click_formatting
import typer.core
import typer.rich_utils as rich

#: English string of Typer (and of its vendored click) → its French text.
FRENCH: dict[str, str] = {
    "Usage:": "Utilisation :",
    "Show this message and exit.": "Afficher cette aide et quitter.",
    "Options": "Réglages",
    "Arguments": "Entrées",
    "Commands": "Commandes",
    "Error": "Erreur",
    "Aborted!": "Interrompu.",
    "Aborted.": "Interrompu.",
    "(deprecated) ": "(obsolète) ",
    "(dynamic)": "(calculé)",
    "default: {default}": "défaut : {default}",
    "env var: {var}": "variable d'environnement : {var}",
    "required": "obligatoire",
    "[default: {}]": "[défaut : {}]",
    "[env var: {}]": "[variable d'environnement : {}]",
    "[required]": "[obligatoire]",
    "Try [blue]'{command_path} {help_option}'[/] for help.":
        "Essayez [blue]« {command_path} {help_option} »[/] pour l'aide.",
}
#: Type names Typer shows beside an option → French.
TYPE_NAMES: dict[str, str] = {
    "str": "texte", "int": "entier", "float": "nombre", "bool": "oui/non", "Path": "chemin",
    "path": "chemin", "file": "fichier", "directory": "dossier", "datetime": "date",
}
#: Metavars of the usage line (« [OPTIONS] », « COMMAND [ARGS]... »).
OPTIONS_METAVAR = "[RÉGLAGES]"
SUBCOMMAND_METAVAR = "COMMANDE [ENTRÉES]..."

#: Typer's constants computed at its import, with their English text.
_RICH_CONSTANTS: dict[str, str] = {
    "DEPRECATED_STRING": "(deprecated) ", "DEFAULT_STRING": "[default: {}]", "ENVVAR_STRING": "[env var: {}]",
    "REQUIRED_LONG_STRING": "[required]", "ARGUMENTS_PANEL_TITLE": "Arguments", "OPTIONS_PANEL_TITLE": "Options",
    "COMMANDS_PANEL_TITLE": "Commands", "ERRORS_PANEL_TITLE": "Error", "ABORTED_TEXT": "Aborted.",
    "RICH_HELP": "Try [blue]'{command_path} {help_option}'[/] for help.",
}
_installed = False


def translate(message: str) -> str:
    """Return the French text of one of click's or Typer's strings (itself when unknown)."""
    return FRENCH.get(message, message)


def french_message(text: str) -> str:
    """Return an error message of click or Typer in French (known phrasings rewritten)."""
    for pattern, replacement in _MESSAGES:
        text = pattern.sub(replacement, text)
    return text


#: Error phrasings of Typer's click and of pydantic's validation → French.
_MESSAGES: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), r) for p, r in (
    (r"^No such option: (\S+)", r"Réglage inconnu : \1"),
    (r"\(Possible options: ([^)]*)\)", r"(réglages proches : \1)"),
    (r"^Invalid value for ([^:]+): ", r"Valeur invalide pour \1 : "),
    (r"^Invalid value: ", "Valeur invalide : "),
    (r"^Missing option", "Réglage manquant"),
    (r"^Missing argument", "Entrée manquante"),
    (r"^Missing parameter", "Paramètre manquant"),
    (r"^Got unexpected extra argument\(s\) \(([^)]*)\)", r"Entrée(s) en trop : \1"),
    (r"^Option '([^']*)' does not take a value\.", r"Le réglage « \1 » ne prend pas de valeur."),
    (r"^Option '([^']*)' requires (an argument|\d+ arguments)\.?", r"Le réglage « \1 » demande une valeur."),
    (r"^No such command '([^']*)'\.", r"Commande inconnue : « \1 »."),
    (r"^Missing command\.", "Commande manquante."),
    (r"Input should be a valid integer[^.;]*", "un nombre entier est attendu"),
    (r"Input should be a valid number[^.;]*", "un nombre est attendu"),
    (r"Input should be a valid boolean[^.;]*", "oui ou non attendu (true / false)"),
    (r"Input should be ", "valeur attendue : "),
    (r"Could not open file ", "Impossible d'ouvrir le fichier "),
    (r"does not exist\.", "est introuvable."),
))


def _french_type(original: Callable[..., str]) -> Callable[..., str]:
    def display_type(self: Any, ctx: Any) -> str:
        return re.sub(r"[A-Za-z]+", lambda m: TYPE_NAMES.get(m.group(0), m.group(0)), original(self, ctx))

    return display_type


def _french_format(original: Callable[..., str]) -> Callable[..., str]:
    def format_message(self: Any) -> str:
        return french_message(original(self))

    return format_message


def install() -> None:
    """Make click's and Typer's own help and error words French (idempotent)."""
    global _installed
    if _installed:
        return
    typer.core._ = translate
    for name, english in _RICH_CONSTANTS.items():
        setattr(rich, name, translate(english))
    rich.OptionHighlighter.highlights = [
        *[h for h in rich.OptionHighlighter.highlights if "usage" not in h], r"(?P<usage>Utilisation : )"]
    for cls in (typer.core.TyperOption, typer.core.TyperArgument):
        cls.display_type = _french_type(cls.display_type)  # type: ignore[method-assign]
    for cls in vars(click_exceptions).values():
        if isinstance(cls, type) and issubclass(cls, click_exceptions.ClickException) and (
                "format_message" in vars(cls) or cls is click_exceptions.ClickException):
            cls.format_message = _french_format(cls.format_message)  # type: ignore[method-assign]
    _patch_usage()
    _installed = True


def _patch_usage() -> None:
    """French usage line (« Utilisation : »), metavars and ``--help`` text."""
    write_usage = click_formatting.HelpFormatter.write_usage
    get_help_option = click_core.Command.get_help_option
    command_init = typer.core.TyperCommand.__init__
    group_init = typer.core.TyperGroup.__init__

    def usage(self: Any, prog: str, args: str = "", prefix: str | None = None) -> None:
        write_usage(self, prog, args, translate("Usage:") + " " if prefix is None else prefix)

    def help_option(self: Any, ctx: Any) -> Any:
        option = get_help_option(self, ctx)
        if option is not None:
            option.help = translate(option.help or "")
        return option

    def command(self: Any, *args: Any, **kwargs: Any) -> None:
        command_init(self, *args, **kwargs)
        if self.options_metavar == "[OPTIONS]":
            self.options_metavar = OPTIONS_METAVAR

    def group(self: Any, *args: Any, **kwargs: Any) -> None:
        group_init(self, *args, **kwargs)
        if self.options_metavar == "[OPTIONS]":
            self.options_metavar = OPTIONS_METAVAR
        if self.subcommand_metavar == "COMMAND [ARGS]...":
            self.subcommand_metavar = SUBCOMMAND_METAVAR

    click_formatting.HelpFormatter.write_usage = usage  # type: ignore[method-assign]
    click_core.Command.get_help_option = help_option  # type: ignore[method-assign]
    typer.core.TyperCommand.__init__ = command  # type: ignore[method-assign]
    typer.core.TyperGroup.__init__ = group  # type: ignore[method-assign]
