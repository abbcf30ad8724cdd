"""Polish alphabetical order of names."""

from __future__ import annotations

import random

from cus.core.collation import polish_sort_key


def test_municipalities_in_polish_alphabetical_order() -> None:
    expected = [
        "Aleksandrów Łódzki",
        "Czersk",
        "Ćmielów",
        "Ełk",
        "Lublin",
        "Łask",
        "Łódź",
        "Nowa Sól",
        "Nowe Miasto",
        "Opole",
        "Ostrów Mazowiecka",
        "Sopot",
        "Świdnica",
        "Zabrze",
        "Ząbki",
        "Zgierz",
        "Źródła",
        "Żary",
        "Żywiec",
    ]
    shuffled = expected[:]
    random.Random(7).shuffle(shuffled)
    assert sorted(shuffled, key=polish_sort_key) == expected


def test_case_spaces_digits_and_foreign_letters() -> None:
    assert sorted(["łódź", "Łódź", "Lodz"], key=polish_sort_key) == ["Lodz", "Łódź", "łódź"]
    assert sorted(["Gmina 10", "Gmina 2", "Gmina A"], key=polish_sort_key) == ["Gmina 10", "Gmina 2", "Gmina A"]
    assert sorted(["Nowa Wieś", "Nowawieś"], key=polish_sort_key) == ["Nowa Wieś", "Nowawieś"]
    assert sorted(["ez", "ęa", "éz"], key=polish_sort_key) == ["ez", "éz", "ęa"]
