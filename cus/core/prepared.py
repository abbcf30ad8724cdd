"""Reads by primary key whose SQL is compiled once per process instead of on every request.

Django builds and compiles a queryset's SQL each time it is evaluated. For a read of a few rows by key that is
most of the work: the fully nested HSDS service (the service and eleven prefetched relations) spent 40 % of its
request in the SQL compiler and 3 % running the SQL. ``PreparedQuery`` compiles a queryset once per database
alias, built with a placeholder key, and then runs the same SQL with the real key, turning rows into model
instances as Django's ``ModelIterable`` does (the backend's converters, ``from_db``, the ``select_related``
populators). ``PreparedGraph`` does the same for one object and the relations a ``prefetch_related`` would read,
each selected by the root's key (a subquery for nested relations) rather than by a list of parent keys, so every
statement has one parameter and the same SQL for any object.

On PostgreSQL the statements of one read go out together in psycopg's pipeline mode (one round trip), as
server-side prepared statements when the database settings allow them (``prepare_threshold``, set in settings.py
unless ``CUS_DB_PREPARED_STATEMENTS`` is off): PostgreSQL then plans each once per connection.

The querysets are built once, at the first read: they must not depend on the request (no user, language or
time in them) and their key must be a UUID.
"""

from __future__ import annotations

import functools
import operator
import uuid
from collections.abc import Callable, Sequence
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import ForeignKey, ManyToManyField, Model, QuerySet
from django.db.models.fetch_modes import FETCH_ONE
from django.db.models.fields.reverse_related import ManyToOneRel
from django.db.models.query import get_related_populators

# The key the SQL is compiled with; its place among the parameters is then filled with the real key.
PLACEHOLDER = uuid.UUID("5e1ec7ed-0000-4000-8000-00000000c0de")


@dataclass(frozen=True, slots=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    slots: tuple[int, ...]
    key_form: Callable[[uuid.UUID], Any]
    converters: tuple[tuple[int, tuple[Any, ...], Any], ...]
    model: type[Model]
    init_list: tuple[str, ...]
    model_slice: slice
    populators: tuple[Any, ...]
    annotations: tuple[tuple[str, int], ...]

    def params_for(self, key: uuid.UUID) -> list[Any]:
        params = list(self.params)
        value = self.key_form(key)
        for slot in self.slots:
            params[slot] = value
        return params


def _key_form(params: Sequence[Any]) -> tuple[tuple[int, ...], Callable[[uuid.UUID], Any]]:
    """Where the placeholder sits among the compiled parameters and how the backend passes a UUID."""
    for form in (lambda key: key, operator.attrgetter("hex"), str):
        value = form(PLACEHOLDER)
        slots = tuple(i for i, param in enumerate(params) if param == value and type(param) is type(value))
        if slots:
            return slots, form
    raise ValueError("The queryset does not filter by the key: the placeholder is not among its parameters.")


class PreparedQuery[M: Model]:
    """A queryset of ``M`` built by ``build(key)``, compiled once per database alias and run for any key."""

    def __init__(self, build: Callable[[uuid.UUID], QuerySet[M]]) -> None:
        self._build = build
        self._compiled: dict[str, _Compiled] = {}

    def _compile(self, using: str) -> _Compiled:
        queryset = self._build(PLACEHOLDER)
        prefetches = queryset._prefetch_related_lookups  # type: ignore[attr-defined]
        if prefetches or queryset._iterable_class.__name__ != "ModelIterable":
            raise ValueError("A prepared query returns model instances and prefetches nothing itself.")
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        if PLACEHOLDER.hex in sql or str(PLACEHOLDER) in sql:
            raise ValueError("The key is inlined in the SQL, not passed as a parameter.")
        slots, form = _key_form(params)
        columns = [selected[0] for selected in compiler.select[: compiler.col_count]]
        if compiler.has_composite_fields(columns):
            raise ValueError("Composite fields are not supported.")
        klass_info = compiler.klass_info
        assert klass_info is not None
        fields = klass_info["select_fields"]
        model_slice = slice(fields[0], fields[-1] + 1)
        compiled = _Compiled(
            sql=sql,
            params=tuple(params),
            slots=slots,
            key_form=form,
            converters=tuple(
                (position, tuple(convs), expression)
                for position, (convs, expression) in compiler.get_converters(columns).items()
            ),
            model=klass_info["model"],
            init_list=tuple(selected[0].target.attname for selected in compiler.select[model_slice]),
            model_slice=model_slice,
            populators=tuple(get_related_populators(klass_info, compiler.select, using, FETCH_ONE)),
            annotations=tuple(compiler.annotation_col_map.items()),
        )
        self._compiled[using] = compiled
        return compiled

    def compiled(self, using: str) -> _Compiled:
        return self._compiled.get(using) or self._compile(using)

    def sql(self, using: str = DEFAULT_DB_ALIAS) -> str:
        return self.compiled(using).sql

    def fetch(self, key: uuid.UUID, using: str = DEFAULT_DB_ALIAS) -> list[M]:
        return fetch_all([self], key, using)[0]


def fetch_all(queries: Sequence[PreparedQuery[Any]], key: uuid.UUID, using: str = DEFAULT_DB_ALIAS) -> list[list[Any]]:
    """The rows of several prepared queries for the same key, a list per query."""
    connection = connections[using]
    compiled = [query.compiled(using) for query in queries]
    if connection.vendor == "postgresql":
        return _fetch_pipelined(connection, compiled, key, using)
    results = []
    for statement in compiled:
        with connection.cursor() as cursor:
            cursor.execute(statement.sql, statement.params_for(key))
            rows = cursor.fetchall()
        results.append([_instance(statement, row, connection, using) for row in rows])
    return results


def _fetch_pipelined(
    connection: BaseDatabaseWrapper, compiled: Sequence[_Compiled], key: uuid.UUID, using: str
) -> list[list[Any]]:
    """PostgreSQL: the statements go out together and their results come back together (psycopg's pipeline
    mode), one round trip instead of one per statement; and each is a server-side prepared statement, planned
    once per connection, when the database settings allow them (``prepare_threshold`` set, see settings.py).
    Measured on the service document (12 statements): PostgreSQL's CPU time 2.7 → 0.8 ms a request."""
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    raw = connection.connection
    preparing = raw.prepare_threshold is not None
    with ExitStack() as stack:
        cursors = []
        with connection.wrap_database_errors, raw.pipeline():
            for statement in compiled:
                cursor = stack.enter_context(_preparing_cursor(connection) if preparing else connection.cursor())
                cursor.execute(statement.sql, statement.params_for(key))
                cursors.append(cursor)
        return [
            [_instance(statement, row, connection, using) for row in cursor.fetchall()]
            for statement, cursor in zip(compiled, cursors, strict=True)
        ]


@functools.cache
def _preparing_cursor_class() -> type[Any]:
    from django.db.backends.postgresql.base import ServerBindingCursor  # needs psycopg

    class PreparingCursor(ServerBindingCursor):  # type: ignore[misc,valid-type]
        def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None, binary: Any = None) -> Any:
            return super().execute(  # type: ignore[misc]
                query, params, prepare=True, binary=binary
            )

    return PreparingCursor


def _preparing_cursor(connection: BaseDatabaseWrapper) -> Any:
    """A Django cursor (queries logged and wrapped as usual) over a psycopg cursor that binds parameters on the
    server and prepares what it runs. Only these statements are prepared: Django's own cursors bind on the
    client and cannot be."""
    connection.validate_thread_sharing()
    cursor = _preparing_cursor_class()(connection.connection)
    return connection.make_debug_cursor(cursor) if connection.queries_logged else connection.make_cursor(cursor)


def _instance(compiled: _Compiled, raw: Sequence[Any], connection: BaseDatabaseWrapper, using: str) -> Any:
    row = list(raw)
    for position, convs, expression in compiled.converters:
        value = row[position]
        for converter in convs:
            value = converter(value, expression, connection)
        row[position] = value
    obj = compiled.model.from_db(using, compiled.init_list, row[compiled.model_slice])
    for populator in compiled.populators:
        populator.populate(row, obj)
    for name, position in compiled.annotations:
        setattr(obj, name, row[position])
    return obj


def _nested(first: ManyToOneRel, parts: tuple[str, ...], queryset: QuerySet[Any], link: str) -> Callable[..., Any]:
    """Rows of a nested relation, selected by their parents' keys read from the table of the root's first
    relation alone (``place.location_id where place.service_id = key``), without joining the root's table."""
    first_model, first_fk = first.related_model, first.field.name
    below = "__".join(parts[1:-1]) or "pk"
    return lambda key: queryset.filter(
        **{f"{link}__in": first_model._default_manager.filter(**{first_fk: key}).values(below)}
    )


@dataclass(frozen=True, slots=True)
class _Relation:
    path: tuple[str, ...]  # from the root, e.g. ("service_at_locations", "schedules")
    query: PreparedQuery[Any]
    link: str | None  # attname of the parent's key on a row (None: a relation of the root itself)
    cache_name: str  # where the related manager looks for prefetched rows
    model: type[Model]


class PreparedGraph[M: Model]:
    """One object by key with related rows, as ``root.prefetch_related(*relations)`` would load them.

    ``relations`` are ``(path, queryset)`` pairs, each one level below an earlier path (or the root): a
    many-to-many or reverse foreign key of the root, or a reverse foreign key of a nested object below a
    reverse foreign key of the root — a ``select_related`` object such as ``service_at_locations__location``
    counts as a level. The querysets give the rows and their order; they are the ones a ``Prefetch`` of the same
    path would use, so both ways read the same rows in the same order (an order that ends with the primary key
    leaves no ties to the database).
    """

    def __init__(self, root: Callable[[], QuerySet[M]], relations: Sequence[tuple[str, QuerySet[Any]]]) -> None:
        self._root = PreparedQuery(lambda key: root().filter(pk=key))
        self._relations = [self._relation(root().model, path, queryset) for path, queryset in relations]

    @staticmethod
    def _relation(root_model: type[Model], path: str, queryset: QuerySet[Any]) -> _Relation:
        parts = tuple(path.split("__"))
        model = root_model
        for part in parts[:-1]:
            model = model._meta.get_field(part).related_model  # type: ignore[assignment]
        field = model._meta.get_field(parts[-1])
        if isinstance(field, ManyToOneRel) and not field.many_to_many:
            fk = field.field
            first = root_model._meta.get_field(parts[0])
            if len(parts) == 1:
                query = PreparedQuery(lambda key: queryset.filter(**{fk.name: key}))
            elif isinstance(first, ManyToOneRel) and not first.many_to_many:
                query = PreparedQuery(_nested(first, parts, queryset, fk.name))
            else:
                raise ValueError(f"{path}: a nested relation must start with a reverse foreign key of the root.")
            return _Relation(parts, query, fk.attname, field.cache_name, queryset.model)
        if isinstance(field, ManyToManyField) and len(parts) == 1:
            name = field.related_query_name()
            query = PreparedQuery(lambda key: queryset.filter(**{name: key}))
            return _Relation(parts, query, None, field.name, queryset.model)
        if isinstance(field, ForeignKey):
            raise ValueError(f"{path}: a forward foreign key is read with select_related, not prefetched.")
        raise ValueError(f"{path}: only reverse foreign keys, and many-to-many fields of the root, are supported.")

    def get(self, key: uuid.UUID, using: str = DEFAULT_DB_ALIAS) -> M | None:
        found, *related = fetch_all([self._root, *(relation.query for relation in self._relations)], key, using)
        if not found:
            return None
        obj = found[0]
        levels: dict[tuple[str, ...], list[Any]] = {(): [obj]}
        for relation, rows in zip(self._relations, related, strict=True):
            if relation.link is None:
                _set_prefetched(obj, relation, rows)
            else:
                grouped: dict[Any, list[Any]] = {}
                for row in rows:
                    grouped.setdefault(getattr(row, relation.link), []).append(row)
                for parent in self._parents(levels, relation.path[:-1]):
                    _set_prefetched(parent, relation, grouped.get(parent.pk, []))
            levels[relation.path] = rows
        return obj

    @staticmethod
    def _parents(levels: dict[tuple[str, ...], list[Any]], path: tuple[str, ...]) -> list[Any]:
        if path in levels:
            return levels[path]
        # A select_related object below a prefetched level (e.g. the location of each service at a location).
        above = PreparedGraph._parents(levels, path[:-1])
        parents = [getattr(parent, path[-1]) for parent in above]
        levels[path] = [parent for parent in parents if parent is not None]
        return levels[path]


def _set_prefetched(obj: Model, relation: _Relation, rows: list[Any]) -> None:
    """What ``prefetch_related`` leaves on an object: its related manager answers ``rows`` without a query."""
    queryset: QuerySet[Any] = QuerySet(model=relation.model)
    queryset._result_cache = rows
    queryset._prefetch_done = True  # type: ignore[attr-defined]
    obj.__dict__.setdefault("_prefetched_objects_cache", {})[relation.cache_name] = queryset
