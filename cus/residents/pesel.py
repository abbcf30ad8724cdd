"""PESEL numbers: parsing, validation and generation. Pure Python, no Django import (unit- and property-tested).

A PESEL is ``YYMMDDZZZXQ``: the birth date with the century coded in the month (+80 for the 1800s, +0 for the
1900s, +20 for the 2000s, +40 for the 2100s, +60 for the 2200s), a serial number, the sex digit (even = female,
odd = male) and a check digit ``(10 − Σ dᵢ·wᵢ mod 10) mod 10`` with weights 1,3,7,9,1,3,7,9,1,3.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Literal

WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
# Month offset → first year of the century it codes.
CENTURIES = {80: 1800, 0: 1900, 20: 2000, 40: 2100, 60: 2200}

Sex = Literal["F", "M"]


class PeselError(ValueError):
    """An invalid PESEL; ``code`` says why: ``length``, ``characters``, ``checksum`` or ``date``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Pesel:
    number: str
    birth_date: datetime.date
    sex: Sex


def check_digit(first_ten: str) -> int:
    return (10 - sum(int(d) * w for d, w in zip(first_ten, WEIGHTS, strict=True)) % 10) % 10


def parse(value: str) -> Pesel:
    """The birth date and sex coded in ``value``; raises :class:`PeselError` for anything but a valid PESEL."""
    number = value.strip() if isinstance(value, str) else ""
    if not number.isascii() or not number.isdigit():
        if len(number) != 11:
            raise PeselError("length", "A PESEL has exactly 11 digits.")
        raise PeselError("characters", "A PESEL contains digits only.")
    if len(number) != 11:
        raise PeselError("length", "A PESEL has exactly 11 digits.")
    if check_digit(number[:10]) != int(number[10]):
        raise PeselError("checksum", "The check digit does not match: the number has a typo.")
    year, month, day = int(number[0:2]), int(number[2:4]), int(number[4:6])
    offset = (month // 20) * 20
    century = CENTURIES.get(offset)
    if century is None or not 1 <= month - offset <= 12:
        raise PeselError("date", "The month part of the PESEL is not a real month.")
    try:
        birth_date = datetime.date(century + year, month - offset, day)
    except ValueError:
        raise PeselError("date", "The date part of the PESEL is not a real date.") from None
    sex: Sex = "M" if int(number[9]) % 2 else "F"
    return Pesel(number=number, birth_date=birth_date, sex=sex)


def is_valid(value: str) -> bool:
    try:
        parse(value)
    except PeselError:
        return False
    return True


def encode_date(birth_date: datetime.date) -> str:
    offsets = {century: offset for offset, century in CENTURIES.items()}
    century = birth_date.year - birth_date.year % 100
    if century not in offsets:
        raise ValueError("PESEL codes birth dates from 1800 to 2299 only.")
    return f"{birth_date.year % 100:02d}{birth_date.month + offsets[century]:02d}{birth_date.day:02d}"


def generate(birth_date: datetime.date, sex: Sex, serial: int = 0) -> str:
    """A valid PESEL for tests and demo data; ``serial`` (0–4999) picks one of the numbers for that date and sex."""
    if not 0 <= serial < 5000:
        raise ValueError("serial must be between 0 and 4999")
    digits = f"{serial // 5:03d}"  # ZZZ
    sex_digit = (serial % 5) * 2 + (1 if sex == "M" else 0)
    first_ten = f"{encode_date(birth_date)}{digits}{sex_digit}"
    return f"{first_ten}{check_digit(first_ten)}"
