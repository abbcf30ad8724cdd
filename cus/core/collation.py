"""Sorting names the way Polish readers expect: ą after a, ć after c, ł after l, ś after s, ź and ż after z.

Code points (and a binary database collation) put every letter with a diacritic after z, so "Łódź", "Świdnica" and
"Żary" came after "Zgierz" in a list of municipalities. Pure Python, for lists sorted in the application."""

from __future__ import annotations

import unicodedata

POLISH_ALPHABET = "aąbcćdeęfghijklłmnńoópqrsśtuvwxyzźż"
_RANK = {letter: float(index) for index, letter in enumerate(POLISH_ALPHABET)}


def _rank(character: str) -> float:
    rank = _RANK.get(character)
    if rank is not None:
        return rank
    if character.isalpha():  # a letter of another language: after its base letter (é after e, before ę)
        base = unicodedata.normalize("NFKD", character)[0]
        return _RANK.get(base, len(POLISH_ALPHABET)) + 0.5
    return -1.0 + ord(character) * 1e-7  # spaces, digits and punctuation before letters, by code point


def polish_sort_key(text: str) -> tuple[tuple[float, ...], str, str]:
    """A key for ``sorted``: letters in Polish alphabetical order, case ignored; then the exact text, so that the
    order is total."""
    folded = text.casefold()
    return tuple(_rank(character) for character in folded), folded, text
