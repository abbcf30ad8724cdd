"""Sorting names the way Polish readers expect: ą after a, ć after c, ł after l, ś after s, ź and ż after z.

Code points (and a binary database collation) put every letter with a diacritic after z, so "Łódź", "Świdnica" and
"Żary" came after "Zgierz" in a list of municipalities. ``polish_sort_key`` sorts lists in the application;
``Alphabetical`` and ``sort_keys`` order queries in the database the same way (see ``register``)."""

from __future__ import annotations

import functools
import unicodedata
from collections.abc import Iterable
from typing import Any

from django.core.checks import Error
from django.core.exceptions import FieldDoesNotExist
from django.db import connections
from django.db.models import Model
from django.db.models.expressions import OrderBy
from django.db.models.functions import Collate

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


# --- in the database -------------------------------------------------------------------------------------------------

# PostgreSQL: ICU's Polish collation, created by initdb when the server is built with ICU (Debian's, Ubuntu's and the
# official images are). SQLite has no Polish collation: one is registered on every connection (``register``), a
# comparison of ``polish_sort_key``; it is only named in queries, never in the schema, so the sqlite3 shell can still
# read, vacuum and check the file.
POSTGRESQL_COLLATION = "pl-x-icu"
SQLITE_COLLATION = "pl"


_cached_key = functools.lru_cache(maxsize=65536)(polish_sort_key)  # a sort compares each name many times


def compare(left: str, right: str) -> int:
    """SQLite's collation function: negative, zero or positive as ``left`` sorts before, with or after ``right``."""
    left_key, right_key = _cached_key(left), _cached_key(right)
    return (left_key > right_key) - (left_key < right_key)


def register(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: the Polish collation on each new SQLite connection."""
    if connection.vendor == "sqlite":
        connection.connection.create_collation(SQLITE_COLLATION, compare)


def check_collation(app_configs: Any = None, databases: Iterable[str] | None = None, **kwargs: Any) -> list[Error]:
    """A database check (``migrate``, ``check --database default``): PostgreSQL has the Polish ICU collation."""
    errors = []
    for alias in databases or ():
        connection = connections[alias]
        if connection.vendor != "postgresql":
            continue
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_collation WHERE collname = %s", [POSTGRESQL_COLLATION])
            if cursor.fetchone() is None:
                errors.append(
                    Error(
                        f"PostgreSQL database {alias!r} has no collation {POSTGRESQL_COLLATION!r}; lists are ordered "
                        "alphabetically with it.",
                        hint="Use a PostgreSQL server built with ICU (Debian's, Ubuntu's and the official images are).",
                        id="cus.E001",
                    )
                )
    return errors


def collation_sql(connection: Any) -> str:
    """The Polish collation's quoted name on ``connection``, for SQL written by hand."""
    name = POSTGRESQL_COLLATION if connection.vendor == "postgresql" else SQLITE_COLLATION
    return str(connection.ops.quote_name(name))


class Alphabetical(Collate):
    """Text in Polish alphabetical order, case ignored, on both databases: ``order_by(Alphabetical("name"), "pk")``,
    ``Alphabetical("name").desc()``; also in a model's ``Meta.ordering``."""

    def __init__(self, expression: Any) -> None:
        super().__init__(expression, SQLITE_COLLATION)

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        extra_context["collation"] = collation_sql(connection)
        return self.as_sql(compiler, connection, **extra_context)


def sort_keys(model: type[Model], paths: Iterable[str], *, descending: bool = False) -> list[OrderBy | str]:
    """``order_by`` keys for field paths of ``model`` (``"person__last_name"``; ``"-"`` in front reverses one):
    text fields (not codes of choices) in Polish alphabetical order, any other as Django orders it (a relation by
    its model's ordering); ``descending`` reverses them all."""
    keys: list[OrderBy | str] = []
    for path in paths:
        name = path.removeprefix("-")
        reverse = descending != path.startswith("-")
        if _is_text(model, name):
            keys.append(Alphabetical(name).desc() if reverse else Alphabetical(name).asc())
        else:
            keys.append(f"-{name}" if reverse else name)
    return keys


def _is_text(model: Any, path: str) -> bool:
    field: Any = None
    for part in path.split("__"):
        try:
            field = model._meta.pk if part == "pk" else model._meta.get_field(part)
        except FieldDoesNotExist:  # an annotation
            return False
        model = field.related_model
    # A field with choices holds a code, not words.
    return field.get_internal_type() in {"CharField", "TextField", "EmailField"} and not field.choices
