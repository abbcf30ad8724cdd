"""``field__in_array=[...]``: ``IN`` for a long list of values (thousands of keys of a batch).

On PostgreSQL the list is sent as one array parameter (``field = ANY(%s)``) instead of one placeholder per value:
psycopg parses the placeholders of a long statement in Python, which for a few thousand keys costs more than the
query itself; the database plans ``= ANY(array)`` as it plans ``IN``. Elsewhere it is Django's ``IN``.
"""

from typing import Any

from django.db.models import Field, ForeignObject
from django.db.models.fields.related_lookups import RelatedIn
from django.db.models.lookups import In


class _ArrayOnPostgreSQL:
    def as_postgresql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        lookup: Any = self
        if lookup.rhs_is_direct_value():
            lhs, lhs_params = lookup.process_lhs(compiler, connection)
            # ``In.process_rhs`` drops None and repeated values and raises EmptyResultSet for an empty list.
            _placeholders, values = lookup.process_rhs(compiler, connection)
            return f"{lhs} = ANY(%s)", [*lhs_params, list(values)]
        return lookup.as_sql(compiler, connection)


class InArray(_ArrayOnPostgreSQL, In):
    lookup_name = "in_array"


class RelatedInArray(_ArrayOnPostgreSQL, RelatedIn):
    lookup_name = "in_array"


def register() -> None:
    Field.register_lookup(InArray)
    ForeignObject.register_lookup(RelatedInArray)
