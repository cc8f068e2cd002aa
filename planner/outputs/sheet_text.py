"""The French texts of a « Fiche territoire »: headline, key figures, notes, sources, hours.

Shared by the HTML and PDF renderers (:mod:`planner.outputs.sheet_render`) and the app's
page, so the three say the same thing.
"""

from __future__ import annotations

from planner import fr
from planner.config import OSM_ATTRIBUTION
from planner.outputs.maps.base import network_label
from planner.outputs.sheet import TerritorySheet
from planner.outputs.text.coverage import SOURCE_LABELS

#: What an access time reads when no site can be reached.
NO_ACCESS = "aucun site accessible"

_METHODS = {
    "road": "temps de trajet en voiture sur le réseau routier OpenStreetMap",
    "crow_fly": "temps estimés à vol d'oiseau (aucun réseau routier local)",
}




def access_time(minutes: float) -> str:
    """Return ``25 min``, ``1 h 12``, or « aucun site accessible » when infinite."""
    return fr.duration(minutes, missing=NO_ACCESS)


def headline(sheet: TerritorySheet) -> str:
    """Return the one-sentence answer for an elected official, in French."""
    where = "la commune" if sheet.kind == "commune" else "l'EPCI"
    threshold = fr.plural(sheet.threshold, "minute")
    if sheet.covered_by:
        who = ", ".join(sheet.covered_by)
        if sheet.kind == "commune":
            text = f"Depuis la mairie, {where} a une aide au numérique à moins de {threshold} : {who}."
        else:
            text = f"Toutes les mairies de {where} ont une aide au numérique à moins de {threshold} : {who}."
    elif sheet.kind == "commune":
        text = f"Aucun réseau d'aide au numérique compté n'est à moins de {threshold} de la mairie."
    else:
        text = f"Aucun réseau d'aide au numérique compté n'est à moins de {threshold} de toutes les " \
               "mairies de l'EPCI."
    share = fr.percent(sheet.share_within)
    return f"{text} Part des habitants, comptés là où ils vivent, à moins de {threshold} : {share}."


def figures(sheet: TerritorySheet) -> list[tuple[str, str]]:
    """Key figures of the sheet as ``(label, value)`` pairs, in French."""
    zone = ", ".join(f"{z['zone_id']} (rang {z['rank']})" for z in sheet.zones) or "aucune"
    return [
        ("Population", fr.integer(sheet.population)),
        (f"Part à moins de {fr.duration(sheet.threshold)}", fr.percent(sheet.share_within)),
        ("Personnes en difficulté numérique (estimation)", fr.integer(sheet.demand)),
        ("dont au-delà du seuil", fr.integer(sheet.demand - sheet.demand_within)),
        ("Facteur de fragilité (1 = moyenne)", fr.number(sheet.fragility_factor, 2)),
        ("Origine du facteur de fragilité", fragility_origin(sheet)),
        ("Zone mal desservie", zone),
    ]


def fragility_origin(sheet: TerritorySheet) -> str:
    """``indice de fragilité numérique 2020 (millésime 2020) : 98 % des habitants ; …``."""
    parts = [f"{SOURCE_LABELS.get(src, src)}" + (f" (millésime {vintage})" if vintage else "")
             + f" : {fr.percent(share)} des habitants" for src, vintage, share in sheet.fragility_sources]
    return " ; ".join(parts) or "non disponible"


def activity(sheet: TerritorySheet) -> list[str]:
    """« Activité observée des conseillers numériques (ANCT, 2023-11) » lines, per département.

    The figures are the département's: they are labelled so, never as the commune's.
    """
    lines = []
    for row in sheet.activity:
        users, acc = row["users"], row["accompaniments"]
        lines.append(
            f"Activité observée des conseillers numériques (ANCT, {row['vintage']}) — "
            f"département {row['departement']} entier, pas seulement {'la commune' if sheet.kind == 'commune' else 'l’EPCI'} : "
            f"{fr.integer(users) if users == users else 'non renseigné'} usagers, "
            f"{fr.integer(acc) if acc == acc else 'non renseigné'} accompagnements. "
            "À lire à côté de l'estimation ci-dessus : ce sont des personnes effectivement "
            "accompagnées, pas une demande estimée.")
    return lines


def notes(sheet: TerritorySheet) -> list[str]:
    """How to read the sheet (method, networks counted, demand, hours), in French."""
    counted = ", ".join(network_label(n) for n in sheet.counted)
    return [
        f"Méthode : {_METHODS.get(sheet.method, sheet.method)} ; seuil {fr.plural(sheet.threshold, 'minute')} ; "
        "temps mesurés depuis la mairie, population comptée par IRIS ou par commune.",
        f"Réseaux comptés comme aide : {counted}. Les autres réseaux sont indiqués « non compté ».",
        "Personnes en difficulté numérique = population × taux d'illectronisme (INSEE) × facteur de "
        "fragilité (indice de fragilité numérique, ou son estimation).",
        *activity(sheet),
        "Horaires indicatifs, tels que publiés par les sources : vérifiez-les avant de vous déplacer.",
    ]


def sources(sheet: TerritorySheet) -> list[str]:
    """Attributions to print: © OpenStreetMap contributors first, then each source with its vintage."""
    return list(dict.fromkeys([OSM_ATTRIBUTION, *sheet.sources]))

