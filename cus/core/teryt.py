"""TERYT municipality codes (pure rules, no Django import).

A municipality (gmina) code in the TERC register has 7 digits: voivodeship (2), county (2), gmina (2) and the
gmina type (1): 1 urban, 2 rural, 3 urban-rural, 4 town in an urban-rural gmina, 5 rural area of an urban-rural
gmina, 8 district of Warsaw, 9 delegation of a city.
"""

from __future__ import annotations

import re

VOIVODESHIPS: dict[str, str] = {
    "02": "dolnośląskie",
    "04": "kujawsko-pomorskie",
    "06": "lubelskie",
    "08": "lubuskie",
    "10": "łódzkie",
    "12": "małopolskie",
    "14": "mazowieckie",
    "16": "opolskie",
    "18": "podkarpackie",
    "20": "podlaskie",
    "22": "pomorskie",
    "24": "śląskie",
    "26": "świętokrzyskie",
    "28": "warmińsko-mazurskie",
    "30": "wielkopolskie",
    "32": "zachodniopomorskie",
}

GMINA_TYPES: dict[str, str] = {
    "1": "urban",
    "2": "rural",
    "3": "urban-rural",
    "4": "town in urban-rural",
    "5": "rural area of urban-rural",
    "8": "district of Warsaw",
    "9": "delegation",
}

# ASCII digits only, and fullmatch: ``$`` alone would accept a trailing newline and ``\d`` any Unicode digit.
_TERYT_RE = re.compile(r"[0-9]{7}")


class TerytError(ValueError):
    """A TERYT code that is not a valid municipality code; ``code`` names the reason."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def parse_teryt(value: str) -> tuple[str, str, str, str]:
    """Split a 7-digit code into (voivodeship, county, gmina, type) or raise TerytError."""
    if not isinstance(value, str) or not _TERYT_RE.fullmatch(value):
        raise TerytError("format")
    voivodeship, county, gmina, kind = value[0:2], value[2:4], value[4:6], value[6]
    if voivodeship not in VOIVODESHIPS:
        raise TerytError("voivodeship")
    if county == "00" or gmina == "00":
        raise TerytError("zero_part")
    if kind not in GMINA_TYPES:
        raise TerytError("type")
    return voivodeship, county, gmina, kind
