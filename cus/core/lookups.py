"""``field__in_array=[...]``: ``IN`` for a long list of keys (the thousands of ids of a batch).

The list is one parameter: on PostgreSQL ``field = ANY(%s)`` with an array, on SQLite ``field IN (SELECT value FROM
json_each(%s))`` with a JSON array. With Django's ``IN`` each value is a placeholder of its own, prepared through the
lookup's generic path and, on PostgreSQL, parsed again by psycopg in Python: for a few thousand keys that costs more
than the query. Each value is prepared once by the field (``get_db_prep_value``); None and repeated values are
dropped, an empty list selects nothing. For keys: integers, strings and UUIDs (other values fall back to ``IN``).
"""

import datetime
import json
import uuid
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In

# Values whose text needs no quoting inside a PostgreSQL array literal (no space, comma, brace, quote or backslash).
_PLAIN_IN_ARRAYS = (int, uuid.UUID, datetime.date, Decimal)


def array_parameter(values: Iterable[Any]) -> Any:
    """A list of values as one PostgreSQL array parameter, to be cast to its type in the SQL (``%s::uuid[]``): for
    keys, numbers and dates the array's text (``{1,2,NULL}``), which psycopg sends as one string instead of
    adapting every element in Python; other values as the list, adapted by psycopg."""
    listed = list(values)
    if all(value is None or type(value) in _PLAIN_IN_ARRAYS for value in listed):
        return "{" + ",".join("NULL" if value is None else str(value) for value in listed) + "}"
    return listed


def array_type(field: Any, connection: Any) -> str:
    """The SQL type of an array of the values of ``field`` (a relation: of the values of its target)."""
    return f"{field.rel_db_type(connection) if field.is_relation else field.db_type(connection)}[]"


class _OneParameter:
    def get_prep_lookup(self) -> Any:
        lookup: Any = self
        if lookup.rhs_is_direct_value():
            return list(lookup.rhs)  # prepared once per value in ``as_sql``
        return super().get_prep_lookup()  # type: ignore[misc]

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lookup: Any = self
        if not lookup.rhs_is_direct_value():
            return super().as_sql(compiler, connection)  # type: ignore[misc]
        field = lookup.lhs.output_field
        values = list(
            dict.fromkeys(field.get_db_prep_value(v, connection, prepared=False) for v in lookup.rhs if v is not None)
        )
        if not values:
            raise EmptyResultSet
        lhs, lhs_params = lookup.process_lhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s::{array_type(field, connection)})", [*lhs_params, array_parameter(values)]
        if connection.vendor == "sqlite" and all(type(v) in (int, str) for v in values):
            sql = f"{lhs} IN (SELECT value FROM json_each(%s))"  # noqa: S608 - the column from the ORM, values as a parameter
            return sql, [*lhs_params, json.dumps(values)]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


class InArray(_OneParameter, In):
    lookup_name = "in_array"


class RelatedInArray(_OneParameter, RelatedIn):
    lookup_name = "in_array"


def register() -> None:
    Field.register_lookup(InArray)
    ForeignObject.register_lookup(RelatedInArray)
