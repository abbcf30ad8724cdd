"""``field__in_array=[...]``: ``IN`` for a long list of keys (the thousands of ids of a batch).

The list is one parameter: on PostgreSQL ``field = ANY(%s)`` with an array, on SQLite ``field IN (SELECT value FROM
json_each(%s))`` with a JSON array. With Django's ``IN`` each value is a placeholder of its own, prepared through the
lookup's generic path and, on PostgreSQL, parsed again by psycopg in Python: for a few thousand keys that costs more
than the query. Each value is prepared once by the field (``get_db_prep_value``); None and repeated values are
dropped, an empty list selects nothing. For keys: integers, strings and UUIDs (other values fall back to ``IN``).
"""

import json
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In


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
            return f"{lhs} = ANY(%s)", [*lhs_params, values]
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
