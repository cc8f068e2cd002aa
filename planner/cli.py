"""The ``planner`` command (Typer), also ``python -m planner``.

It parses options, calls the stages through :mod:`planner.api` and prints; it holds no
analysis logic. Option defaults come from :mod:`planner.config` (or the parameter class
that owns them). Every message is in French; errors never show a traceback.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

import typer

from planner import config
from planner.access.demand import DemandModel
from planner.api import compare, coverage, current_tour, plan, select
from planner.data import bundle, fetch
from planner.data.status import status_report
from planner.errors import PlannerError, SettingsError
from planner.inventory import layers_summary
from planner.optimize.assumptions import ModeAssumptions
from planner.optimize.settings import PLAN_SETTINGS, PlanSettings
from planner.outputs.coverage_files import write_coverage
from planner.outputs.export import write_all
from planner.outputs.fiches import write_fiches
from planner.outputs.text import cli_help
from planner.outputs.text.bundle import licence_markdown, render_bundle
from planner.outputs.text.coverage import render_coverage
from planner.outputs.text.current_tour import render_current_tour
from planner.outputs.text.data import render_fetch, render_status
from planner.outputs.text.modes import render, summary
from planner.outputs.text.plan import render_plan
from planner.outputs.text.roads import progress_line, render_fetch_roads, render_import
from planner.outputs.text.territory import fiche_progress, render_fiches, render_layers
from planner.outputs.text.travel import render_travel
from planner.travel.download import fetch_roads
from planner.travel.extract import write_territory_graph
from planner.travel.model import model_for, travel_summary
from planner.travel.obtain import fetch_territory
from planner.travel.pbf import import_pbf

cli_help.install()  # click's and Typer's own words (usage, panels, --help) in French
app = typer.Typer(
    help="Planificateur de couverture territoriale pour l'inclusion numérique.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
data_app = typer.Typer(help="Données sources : téléchargement et état.", no_args_is_help=True)
app.add_typer(data_app, name="data")
roads_app = typer.Typer(
    help="Réseau routier : import d'un extrait OpenStreetMap (.osm.pbf) ou téléchargement (Overpass).",
    no_args_is_help=True,
)
app.add_typer(roads_app, name="roads")


def _default(cls: Any, name: str) -> Any:
    """The default of a dataclass field: the parameter class owns it, the CLI shows it."""
    for f in fields(cls):
        if f.name == name:
            if f.default is not MISSING:
                return f.default
            if f.default_factory is not MISSING:
                return f.default_factory()
    raise KeyError(f"{cls.__name__}.{name} has no default")


def _given(ctx: typer.Context, name: str) -> bool:
    """Whether the option ``name`` was given on the command line (not its default)."""
    source = ctx.get_parameter_source(name)  # Typer's vendored click: compare by name
    return source is not None and source.name != "DEFAULT"


def _listed(value: str | None) -> tuple[str, ...]:
    """``"a, b,,c"`` → ``("a", "b", "c")``; ``None`` or empty → ``()``."""
    return tuple(v.strip() for v in (value or "").split(",") if v.strip())


def _window(value: str) -> tuple[str, str]:
    start, _, end = value.partition("-")
    return start.strip(), end.strip()


def _hours_options(lunch: str, lunch_min: float, default_hours: list[str] | None) -> dict[str, Any]:
    """The lunch-break and default-hours settings of ``plan`` from their options."""
    pairs = [item.partition("=") for item in default_hours or []]
    bad = [k for k, eq, v in pairs if not eq or not k.strip() or not v.strip()]
    if bad:
        raise SettingsError(f"horaires par défaut illisibles : « {bad[0]} »", setting=PLAN_SETTINGS["default_hours"],
                            hint="type de lieu=horaires OSM, par exemple --default-hours \"mairie=Mo-Fr 09:00-12:00\"")
    none = lunch.strip().lower() in ("", "aucune", "non", "none")
    return {"lunch": None if none else _window(lunch), "lunch_minutes": lunch_min,
            "default_hours": {k.strip().lower(): v.strip() for k, _, v in pairs}}


def emit(payload: Any, as_json: bool, render: Callable[[Any], str] | None = None) -> None:
    """Print a result as one JSON object, or as French text."""
    if as_json:
        typer.echo(json.dumps(payload, ensure_ascii=False, default=str))
    else:
        typer.echo(render(payload) if render else json.dumps(payload, ensure_ascii=False, indent=2, default=str))


TerritoryOpt = typer.Option(config.DEFAULT_TERRITORY, "--territory", "-t", help="Départements, EPCI (SIREN), communes (INSEE) ou « france », séparés par des virgules.")
JsonOpt = typer.Option(False, "--json", help="Sortie JSON (un seul objet).")
ThresholdOpt = typer.Option(config.DEFAULT_THRESHOLD_MIN, "--threshold", help="Seuil d'accès, en minutes.")
DaysOpt = typer.Option(",".join(config.DEFAULT_DAYS), "--days", help="Jours travaillés (lun..sam).")
CoveringOpt = typer.Option(None, "--networks", help="Réseaux dont les sites existants couvrent déjà.")
ForceOpt = typer.Option(False, "--force", help="Écraser les fichiers existants.")
LayersOpt = typer.Option(
    None, "--layers", "-l",
    help="Couches à télécharger, séparées par des virgules ou répétées "
    "(défaut : toutes celles qui ont une URL).",
)


# ----------------------------------------------------------------------------- commands


@app.command("layers")
def layers_cmd(territory: str = TerritoryOpt, as_json: bool = JsonOpt) -> None:
    """Communes, population et sites de chaque réseau du territoire, avec leurs sources."""
    chosen = select(territory)
    graph = model_for(chosen).graph
    emit(layers_summary(chosen, roads=graph.report.source if graph else None), as_json, render_layers)


@data_app.command("fetch")
def data_fetch_cmd(
    layers: list[str] | None = LayersOpt,
    territory: str | None = typer.Option(
        None, "--territory", "-t",
        help="Ne télécharger que ce qui manque à ce territoire (les fichiers nationaux couvrent toute la France).",
    ),
    no_roads: bool = typer.Option(
        False, "--no-roads", help="Avec --territory : ne pas télécharger le réseau routier OpenStreetMap.",
    ),
    overpass_url: str | None = typer.Option(
        None, "--overpass-url", help="Adresse de l'API Overpass pour le réseau routier (défaut : celle d'osmnx).",
    ),
    as_json: bool = JsonOpt,
) -> None:
    """Télécharge les exports officiels dans le dossier de données (PLANNER_DATA_DIR) ; avec
    --territory, seulement ce qui manque au territoire, réseau routier compris."""
    names = fetch.parse_layer_names(layers)
    if territory is None:
        results = fetch.fetch(names)
    else:
        def road_progress(done: int, total: int, part: str, status: str) -> None:
            typer.echo(progress_line(done, total, part, status), err=True)

        results = fetch_territory(select(territory), names, roads=not no_roads,
                                  overpass_url=overpass_url, road_progress=road_progress)
    emit(fetch.fetch_report(results, territory=territory), as_json, render_fetch)


@data_app.command("bundle")
def data_bundle_cmd(
    territory: str = TerritoryOpt,
    out: Path = typer.Option(config.BUNDLE_DIR, "--out", help="Dossier du lot (défaut : geodata/demo du dépôt)."),
    buffer_km: float = typer.Option(config.DEFAULT_BUFFER_KM, "--buffer", help="Marge autour du territoire, en km (sites et communes voisines)."),
    force: bool = typer.Option(False, "--force", help="Remplacer le lot existant."),
    as_json: bool = JsonOpt,
) -> None:
    """Construit le lot de démonstration d'un territoire à partir des exports officiels."""
    chosen = select(territory)
    zone = bundle.zone_of(chosen.spec, chosen.label, chosen.insee, buffer_km)
    name = "".join(c if c.isalnum() else "_" for c in chosen.spec.lower())
    manifest = bundle.build_bundle(
        zone, out, force=force, licence=licence_markdown,
        roads=lambda folder: write_territory_graph(chosen.polygon, folder, name, buffer_km),
    )
    emit(bundle.bundle_summary(manifest, out), as_json, render_bundle)


@data_app.command("status")
def data_status_cmd(as_json: bool = JsonOpt) -> None:
    """État de chaque couche : fichier, lignes, millésime, source, licence."""
    emit(status_report(), as_json, render_status)


TravelOpt = typer.Option(
    None, "--travel",
    help="Méthode de trajet : « road » (réseau routier) ou « crow_fly » (vol d'oiseau, avec fourchette) ; "
    "par défaut la route là où un réseau couvre le territoire.",
)


@app.command("travel")
def travel_cmd(
    territory: str = TerritoryOpt,
    from_: str = typer.Option("town_hall", "--from", help="Origines : « town_hall » (une mairie par commune) ou un réseau."),
    to: str = typer.Option("la_poste", "--to", help="Destinations : un réseau (sites du territoire et de sa marge)."),
    as_json: bool = JsonOpt,
) -> None:
    """Temps de trajet de chaque origine jusqu'au site le plus proche (route, sinon vol d'oiseau)."""
    emit(travel_summary(select(territory), from_, to), as_json, render_travel)


@app.command("coverage")
def coverage_cmd(
    territory: str = TerritoryOpt,
    threshold: float = ThresholdOpt,
    networks: str | None = typer.Option(None, "--networks", help="Réseaux comptés comme aide (par défaut : ceux qui offrent une aide numérique)."),
    level: str = typer.Option("iris", "--level", help="Points de demande : « iris » ou « commune »."),
    max_extent: float = typer.Option(config.DEFAULT_MAX_EXTENT_KM, "--max-extent", help="Étendue maximale d'une zone, en km."),
    base_rate: float = typer.Option(_default(DemandModel, "base_rate"), "--base-rate", help="Part des personnes en difficulté numérique (INSEE 2021)."),
    factor_min: float = typer.Option(_default(DemandModel, "factor_min"), "--factor-min", help="Borne basse du facteur de fragilité."),
    factor_max: float = typer.Option(_default(DemandModel, "factor_max"), "--factor-max", help="Borne haute du facteur de fragilité."),
    out: Path | None = typer.Option(None, "--out", help="Dossier où écrire le GeoPackage et les CSV."),
    travel: str | None = TravelOpt,
    force: bool = ForceOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Population à portée d'aide, zones mal desservies et complémentarité des réseaux."""
    model = DemandModel(base_rate=base_rate, factor_min=factor_min, factor_max=factor_max)
    result = coverage(select(territory), threshold, _listed(networks) or None, level=level,
                      max_extent_km=max_extent, demand_model=model, travel=travel)
    payload = result.summary()
    if out is not None:
        payload["files"] = [str(p) for p in write_coverage(result, out, force=force)]
    emit(payload, as_json, render_coverage)


@app.command("plan")
def plan_cmd(
    ctx: typer.Context,
    territory: str = TerritoryOpt,
    advisors: int = typer.Option(config.DEFAULT_ADVISORS, "--advisors", help="Nombre de conseillers itinérants (avec --current-tour : ceux du fichier ; s'il est donné, le même nombre)."),
    bases: str | None = typer.Option(None, "--bases", help="Base de chaque conseiller : code INSEE ou identifiant de site, séparés par des virgules."),
    days: str = DaysOpt,
    window: str = typer.Option("-".join(config.DEFAULT_WINDOW), "--window", help="Plage horaire quotidienne."),
    max_drive: float | None = typer.Option(None, "--max-drive", help="Conduite maximale par jour, en minutes."),
    stops: int = typer.Option(config.DEFAULT_STOPS, "--stops", help="Nombre d'arrêts à choisir."),
    stop_minutes: float = typer.Option(config.DEFAULT_STOP_MINUTES, "--stop-minutes", help="Durée d'une permanence, en minutes."),
    frequency: str = typer.Option(_default(PlanSettings, "frequency"), "--frequency", help="Cycle des tournées : « weekly » (chaque semaine), « fortnightly » (toutes les deux semaines) ou « fourweekly » (toutes les quatre semaines) ; les arrêts sont répartis sur le cycle."),
    lunch: str = typer.Option("-".join(config.DEFAULT_LUNCH), "--lunch", help="Fenêtre de la pause déjeuner des conseillers (HH:MM-HH:MM), ou « aucune »."),
    lunch_min: float = typer.Option(config.DEFAULT_LUNCH_MINUTES, "--lunch-min", help="Durée minimale de la pause déjeuner, en minutes."),
    default_hours: list[str] | None = typer.Option(None, "--default-hours", metavar="TYPE=HORAIRES", help="Horaires supposés d'un type de lieu sans horaires connus, au format OSM : « mairie=Mo-Fr 09:00-12:00 » (option répétable ; types : bureau de poste, agence postale communale, relais poste, mairie, france_services…)."),
    threshold: float = ThresholdOpt,
    networks: str | None = CoveringOpt,
    time_limit: float = typer.Option(config.ROUTING_TIME_LIMIT_S, "--time-limit", help="Temps de calcul des tournées, en secondes."),
    seed: int = typer.Option(config.DEFAULT_SEED, "--seed", help="Graine : mêmes entrées et graine, même plan."),
    out: Path | None = typer.Option(None, "--out", help="Dossier où écrire les exports."),
    travel: str | None = TravelOpt,
    force: bool = ForceOpt,
    current: Path | None = typer.Option(None, "--current-tour", help="Tournée actuelle (CSV ou XLSX) : l'évaluer, puis proposer mieux avec les mêmes conseillers et au plus les mêmes heures (le nombre de conseillers et d'arrêts en découle : --stops refusé, --advisors s'il diffère ; avec --out : les exports de la tournée proposée)."),
    as_json: bool = JsonOpt,
) -> None:
    """Arrêts et tournées hebdomadaires des conseillers itinérants, avec leurs exports."""
    if current is not None:
        # The proposal keeps the file's advisors: --advisors, when given, must say as many.
        asked = advisors if _given(ctx, "advisors") else None
        if _given(ctx, "stops"):
            raise SettingsError("avec --current-tour, le nombre d'arrêts proposés découle des heures de présence "
                                "de la tournée actuelle", setting=PLAN_SETTINGS["stops"],
                                hint="retirez --stops (la proposition garde au plus les mêmes heures de présence)")
        settings = PlanSettings(advisors=asked or max(len(_listed(bases)), 1), bases=_listed(bases),
                                days=_listed(days) or config.DEFAULT_DAYS,
                                window=_window(window), max_drive_minutes=max_drive, stop_minutes=stop_minutes,
                                frequency=frequency, threshold=threshold, networks=_listed(networks) or config.HELP_NETWORKS,
                                time_limit=time_limit, seed=seed, **_hours_options(lunch, lunch_min, default_hours))
        tour = current_tour(select(territory), current, settings, travel=travel, advisors=asked)
        payload = tour.summary()
        if out is not None:  # the proposal's exports, week 1 on the cycle's ISO week (odd weeks stay odd)
            written = write_all(tour.plan.tables(tour.week_start()), out, force=force)
            payload["files"] = {fmt: [str(p) for p in paths] for fmt, paths in written.items()}
        emit(payload, as_json, render_current_tour)
        return
    result = plan(
        select(territory), advisors, stops, time_limit=time_limit, seed=seed, threshold=threshold,
        networks=_listed(networks) or None, days=_listed(days), window=_window(window),
        stop_minutes=stop_minutes, bases=_listed(bases), max_drive_minutes=max_drive, frequency=frequency,
        travel=travel, **_hours_options(lunch, lunch_min, default_hours),
    )
    payload = result.summary()
    if out is not None:
        written = write_all(result.tables(), out, force=force)
        payload["files"] = {fmt: [str(p) for p in paths] for fmt, paths in written.items()}
    emit(payload, as_json, render_plan)


@app.command("compare")
def compare_cmd(
    territory: str = TerritoryOpt,
    advisors: int = typer.Option(config.MODES_ADVISORS, "--advisors", help="Nombre de conseillers de chaque mode."),
    threshold: float = ThresholdOpt,
    weekly_hours: float = typer.Option(config.WEEKLY_HOURS, "--weekly-hours", help="Heures de travail par conseiller et par semaine."),
    days: str = DaysOpt,
    shared_days: int = typer.Option(config.SHARED_DAYS, "--shared-days", help="Mode partagé : jours par semaine dans les structures partenaires."),
    shared_reach: float = typer.Option(config.SHARED_REACH_MIN, "--shared-reach", help="Mode partagé : trajet maximal de la base aux partenaires, en minutes."),
    stop_minutes: float = typer.Option(config.DEFAULT_STOP_MINUTES, "--stop-minutes", help="Mode itinérant : durée d'une permanence, en minutes."),
    bases: str | None = typer.Option(None, "--bases", help="Mode itinérant : base de chaque conseiller (code INSEE ou identifiant de site)."),
    networks: str | None = CoveringOpt,
    time_limit: float = typer.Option(config.ROUTING_TIME_LIMIT_S, "--time-limit", help="Mode itinérant : temps de calcul des tournées, en secondes."),
    seed: int = typer.Option(config.DEFAULT_SEED, "--seed", help="Mode itinérant : graine des tournées."),
    travel: str | None = TravelOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Modes de fonctionnement comparés (fixe, itinérant, partagé, intégré) à conseillers égaux."""
    assumptions = ModeAssumptions(
        weekly_hours=weekly_hours, days=_listed(days), stop_minutes=stop_minutes,
        itinerant_bases=_listed(bases), shared_days=shared_days, shared_reach_minutes=shared_reach,
        covering_networks=_listed(networks) or config.HELP_NETWORKS, routing_time_limit_s=time_limit, seed=seed,
    )
    comparison = compare(select(territory), advisors, threshold, assumptions, travel=travel)
    emit(summary(comparison), as_json, render)


@app.command("fiche")
def fiche_cmd(
    territory: str = TerritoryOpt,
    out: Path = typer.Option(..., "--out", help="Dossier où écrire les fiches (HTML, PDF) et leur index ; il doit être vide ou nouveau."),
    threshold: float = ThresholdOpt,
    networks: str | None = typer.Option(None, "--networks", help="Réseaux comptés comme aide (par défaut : ceux qui offrent une aide numérique)."),
    pdf: bool = typer.Option(True, "--pdf/--sans-pdf", help="Écrire aussi chaque fiche en PDF (par défaut : oui)."),
    travel: str | None = TravelOpt,
    force: bool = typer.Option(False, "--force", help="Écrire dans un dossier non vide, en remplaçant les fiches de même nom."),
    as_json: bool = JsonOpt,
) -> None:
    """Fiche territoire de chaque commune du territoire et de son ou ses EPCI (HTML, PDF et index)."""

    def progress(done: int, total: int, name: str) -> None:
        typer.echo(fiche_progress(done, total, name), err=True)

    result = write_fiches(select(territory), out, threshold=threshold, networks=_listed(networks) or None,
                          travel=travel, force=force, pdf=pdf, progress=progress)
    emit(result, as_json, render_fiches)


@roads_app.command("import")
def roads_import_cmd(
    file: Path = typer.Argument(..., help="Extrait OpenStreetMap .osm.pbf (régional ou national, par exemple de Geofabrik)."),
    territory: str | None = typer.Option(
        None, "--territory", "-t",
        help="Ne garder que les routes de ce territoire et de sa marge (défaut : tout l'extrait).",
    ),
    out: Path | None = typer.Option(None, "--out", help="Dossier de sortie (défaut : « roads/ » du dossier de données)."),
    force: bool = ForceOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Importe un extrait OpenStreetMap en graphe routier compact, en flux (mémoire bornée et affichée)."""
    area = select(territory) if territory else None
    emit(import_pbf(file, territory=area, out_dir=out, force=force), as_json, render_import)


@roads_app.command("fetch")
def roads_fetch_cmd(
    territory: str = TerritoryOpt,
    overpass_url: str | None = typer.Option(
        None, "--overpass-url", help="Adresse de l'API Overpass (défaut : celle d'osmnx, overpass-api.de).",
    ),
    out: Path | None = typer.Option(None, "--out", help="Dossier de sortie (défaut : « roads/ » du dossier de données)."),
    force: bool = ForceOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Télécharge le réseau routier du territoire et de sa marge, département par département (reprise possible)."""

    def progress(done: int, total: int, part: str, status: str) -> None:
        typer.echo(progress_line(done, total, part, status), err=True)

    result = fetch_roads(select(territory), overpass_url=overpass_url, out_dir=out, force=force, progress=progress)
    emit(result, as_json, render_fetch_roads)


# ----------------------------------------------------------------------------- entry point


def main() -> None:
    """Entry point: run the app, turning known errors into French messages (exit 2)."""
    debug = bool(os.environ.get("PLANNER_DEBUG"))
    for level, name in ((logging.DEBUG, "détail"), (logging.INFO, "info"),
                        (logging.WARNING, "attention"), (logging.ERROR, "erreur")):
        logging.addLevelName(level, name)  # French level names on the console
    logging.basicConfig(level=logging.DEBUG if debug else logging.WARNING, format="%(levelname)s : %(message)s")
    try:
        app()
    except PlannerError as exc:
        typer.echo(f"Erreur : {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        typer.echo("Interrompu.", err=True)
        sys.exit(130)
    except Exception as exc:  # never a traceback for the user; the detail goes to the log
        logging.getLogger("planner").debug("erreur inattendue", exc_info=True)
        typer.echo(
            f"Erreur inattendue ({type(exc).__name__}) : {exc} — vérifiez les fichiers et les options ; "
            "relancez avec PLANNER_DEBUG=1 pour le détail technique.",
            err=True,
        )
        sys.exit(1)


if __name__ == "__main__":
    main()
