"""MADE-UP INSEE files in the shapes INSEE publishes them (values invented, codes real).

- Filosofi 2017: ``base-filosofi-2017_CSV.zip`` holding ``cc_filosofi_2017_COM.CSV`` and
  ``cc_filosofi_2017_EPCI.CSV`` (``;``-separated, upper-case names with the year:
  ``CODGEO;LIBGEO;NBMENFISC17;NBPERSMENFISC17;MED17;TP6017``, secret values empty) and
  their metadata files;
- grille de densité à 7 niveaux: ``grille_densite_7_niveaux_2022.xlsx``, a title, the
  geography date, a blank row and the French labels above the row of variable codes
  (``CODGEO, LIBGEO, DENS, LIBDENS, PMUN19``), as INSEE's workbooks are laid out;
- AAV 2020: ``AAV2020_au_01-01-2023.zip`` holding ``AAV2020_au_01-01-2023.xlsx`` whose
  first sheet lists the areas and whose ``Composition_communale`` sheet has title rows
  then ``CODGEO, LIBGEO, AAV2020, LIBAAV2020, CATEAAV2020, DEP, REG``;
- comparateur: ``base_cc_comparateur_csv.zip`` holding ``base_cc_comparateur.csv``
  (``CODGEO;P21_POP;P21_CHOM1564;P21_ACT1564``).
"""

from __future__ import annotations

import io
import zipfile

import openpyxl

#: Made-up commune rows: code, name, median income, poverty rate (None: secret),
#: 7-level density, AAV category, unemployed and active people 15-64.
COMMUNES = [
    ("2A004", "Ajaccio", 21_500, 17.5, 2, "11", 2_000, 20_000),
    ("2B033", "Bastia", 19_800, 21.0, 1, "11", 1_500, 15_000),
    ("2A001", "Afa", 24_000, None, 4, "20", 60, 1_200),
    ("2A006", "Alata", 25_100, None, 5, "20", 50, 1_000),
    ("2B009", "Aleria", 18_000, 24.0, 7, "30", 90, 900),
]
DENSITY_TITLE = [
    ["Grille communale de densité à 7 niveaux"],
    ["Géographie au 01/01/2022"],
    [],
    ["Code géographique", "Libellé géographique", "Degré de densité de la commune",
     "Libellé du degré de densité", "Population municipale 2019"],
]


def _zip(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


def _xlsx(sheets: dict[str, list[list[object]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def filosofi_com_csv() -> bytes:
    """``cc_filosofi_2017_COM.CSV`` (made-up values)."""
    lines = ["CODGEO;LIBGEO;NBMENFISC17;NBPERSMENFISC17;MED17;PIMP17;TP6017"]
    for code, name, income, poverty, *_ in COMMUNES:
        rate = "" if poverty is None else f"{poverty}"
        lines.append(f"{code};{name};1000;2000;{income};;{rate}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def filosofi_epci_csv(epci: str, rate: float) -> bytes:
    """``cc_filosofi_2017_EPCI.CSV`` with one EPCI (made-up rate)."""
    return f"CODGEO;LIBGEO;MED17;TP6017\n{epci};CA du Pays Ajaccien;22000;{rate}\n".encode()


def filosofi_zip(epci: str, rate: float) -> bytes:
    """``base-filosofi-2017_CSV.zip``: both tables and their metadata."""
    return _zip({
        "cc_filosofi_2017_COM.CSV": filosofi_com_csv(),
        "cc_filosofi_2017_EPCI.CSV": filosofi_epci_csv(epci, rate),
        "meta_cc_filosofi_2017_COM.CSV": b"COD_VAR;LIB_VAR\nMED17;Mediane\n",
    })


def density_xlsx(extra: list[list[object]] | None = None) -> bytes:
    """``grille_densite_7_niveaux_2022.xlsx`` (made-up levels; ``extra`` rows appended)."""
    rows = [*DENSITY_TITLE, ["CODGEO", "LIBGEO", "DENS", "LIBDENS", "PMUN19"]]
    rows += [[c[0], c[1], c[4], "", 1000] for c in COMMUNES] + (extra or [])
    return _xlsx({"Grille_Densite": rows})


def aav_xlsx() -> bytes:
    """``AAV2020_au_01-01-2023.xlsx``: the list of areas, then the composition."""
    title = [["Aires d'attraction des villes 2020"], ["Découpage au 01/01/2023"], [],
             ["Code géographique", "Libellé", "Aire", "Libellé de l'aire", "Catégorie", "Dép.", "Rég."]]
    areas = [*title[:3], ["AAV2020", "LIBAAV2020", "TAAV2017"], ["094", "Ajaccio", 3]]
    composition = [*title, ["CODGEO", "LIBGEO", "AAV2020", "LIBAAV2020", "CATEAAV2020", "DEP", "REG"]]
    composition += [[c[0], c[1], "094", "Ajaccio", c[5], c[0][:2], "94"] for c in COMMUNES]
    return _xlsx({"AAV2020": areas, "Composition_communale": composition})


def aav_zip() -> bytes:
    """``AAV2020_au_01-01-2023.zip`` holding the workbook."""
    return _zip({"AAV2020_au_01-01-2023.xlsx": aav_xlsx()})


def comparateur_zip() -> bytes:
    """``base_cc_comparateur_csv.zip`` holding ``base_cc_comparateur.csv`` (made-up)."""
    lines = ["CODGEO;P21_POP;P15_POP;P21_CHOM1564;P21_ACT1564"]
    lines += [f"{c[0]};1000;990;{c[6]};{c[7]}" for c in COMMUNES]
    return _zip({"base_cc_comparateur.csv": ("\n".join(lines) + "\n").encode()})
