"""Name comparison for duplicate detection, checked against a plain Levenshtein distance."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from cus.residents import names


def levenshtein(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


words = st.text(alphabet="abcłóz", max_size=8)


@given(words, words)
def test_within_one_edit_is_levenshtein_at_most_one(a: str, b: str) -> None:
    assert names.within_one_edit(a, b) == (levenshtein(a, b) <= 1)


@given(words)
def test_one_changed_letter_is_still_likely_the_same(word: str) -> None:
    word = f"k{word}"
    assert names.likely_same("Anna", word, "Anna", word + "x")
    assert names.likely_same("Anna", word.upper(), "ANNA", word)


def test_diacritics_and_case_do_not_matter() -> None:
    assert names.normalise("Żaneta Łęcka-Wróbel") == "zanetaleckawrobel"
    assert names.likely_same("Żaneta", "Łęcka", "zaneta", "LECKA")
