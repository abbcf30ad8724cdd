"""Comparing names for duplicate detection. Pure Python: lower case, no diacritics (ł → l too), letters only."""

from __future__ import annotations

import unicodedata

_EXTRA = str.maketrans({"ł": "l", "Ł": "l", "ß": "ss", "đ": "d", "ø": "o", "æ": "ae", "œ": "oe"})


def normalise(name: str) -> str:
    decomposed = unicodedata.normalize("NFKD", name.translate(_EXTRA).casefold())
    return "".join(ch for ch in decomposed if ch.isalpha() and not unicodedata.combining(ch))


def within_one_edit(a: str, b: str) -> bool:
    """Levenshtein distance ≤ 1 (one letter added, removed or changed), in linear time."""
    if a == b:
        return True
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) > len(b):
        a, b = b, a
    i = 0
    while i < len(a) and a[i] == b[i]:
        i += 1
    if len(a) == len(b):
        return a[i + 1 :] == b[i + 1 :]
    return a[i:] == b[i + 1 :]


def likely_same(first_a: str, last_a: str, first_b: str, last_b: str) -> bool:
    """Same person by name, given the same birth date: equal names, or each name at most one edit apart
    (a typo, a missing or extra letter); first and last name swapped count too."""
    fa, la, fb, lb = normalise(first_a), normalise(last_a), normalise(first_b), normalise(last_b)
    if not (fa and la and fb and lb):
        return False
    return (within_one_edit(fa, fb) and within_one_edit(la, lb)) or (fa == lb and la == fb)
