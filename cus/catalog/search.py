"""The catalog's search engine: Polish words found whatever their inflection and with or without diacritics.

``service_document(service)`` builds the normalised text stored in ``Service.search_document``: for every word of
the service (name, other name, description, eligibility, areas, target groups, provider, cities of its locations) the
lemma and the surface form, both without diacritics ("usługi" → "usluga uslugi"). The words of the name come first,
then ``|``, then the rest, so that a match in the name ranks above a match in the description.

``search_services(queryset, query)`` filters and ranks a service queryset. Lemmatisation does not work on words typed
without diacritics ("uslugi"), so each query word matches by prefix on its lemma or on a crude stem (the word without
its last two letters, at least four): "uslugi" → ``uslu*``, "opiekuńczych" → ``opiekunczy*`` or ``opiekuncz*``.
Words are ANDed. The same rules run on SQLite (an FTS5 index kept in sync by triggers on ``catalog_service``, ranked
by bm25) and on PostgreSQL (a stored, weighted ``search_vector`` column with a GIN index, ranked by ts_rank).
Migrations 0003 and 0004 create them; ``manage.py catalog_reindex`` recomputes every document and repairs the index.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from typing import Any

from django.db import connections
from django.db.models import BooleanField, F, FloatField, Func, Q, QuerySet, Value
from django.db.models.expressions import OrderBy
from django.db.models.lookups import Lookup

from cus.core.collation import Alphabetical, collation_sql

# Words that carry no meaning for search (Polish prepositions, conjunctions, particles).
STOPWORDS = frozenset(
    {"a", "aby", "ale", "albo", "bez", "by", "czy", "dla", "do", "i", "ich", "jak", "jako", "jest", "lub", "na", "nad"}
    | {"nie", "o", "od", "oraz", "po", "pod", "przy", "przez", "sa", "sie", "ta", "te", "to", "u", "w", "we", "z"}
    | {"za", "ze"}
)
MAX_QUERY_WORDS = 10
MAX_WORD_LENGTH = 40
SECTION = "|"  # between the name words and the rest of the document; never part of a word

_WORD = re.compile(r"[^\W_]+")
_FOLD = str.maketrans({"ł": "l", "Ł": "L", "đ": "d", "ø": "o", "ß": "ss", "æ": "ae", "œ": "oe"})


def unaccent(text: str) -> str:
    """Lower case without diacritics; ł is folded explicitly (Unicode does not decompose it)."""
    decomposed = unicodedata.normalize("NFKD", text.lower().translate(_FOLD))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


@functools.lru_cache(maxsize=50_000)
def _lemma(word: str) -> str:
    import simplemma  # the Polish dictionary loads on first use (a few seconds), not at import

    return str(simplemma.lemmatize(word, lang="pl")).lower()


def _words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", text.replace("\x00", " ")).lower())


def _document_words(texts: list[str], seen: set[str]) -> list[str]:
    out: list[str] = []
    for text in texts:
        for word in _words(text or ""):
            for form in (unaccent(_lemma(word)), unaccent(word)):
                for token in _words(form):  # a lemma may be two words or carry punctuation
                    if token not in seen and token not in STOPWORDS:
                        seen.add(token)
                        out.append(token)
    return out


def service_document(service: Any) -> str:
    """The search document of a service. Uses ``.all()`` on its relations, so prefetching them avoids queries."""
    seen: set[str] = set()
    title = _document_words([service.name, service.alternate_name], seen)
    rest = [service.description, service.eligibility_description]
    rest += [term.name for term in service.areas.all()]
    rest += [term.name for term in service.target_groups.all()]
    rest.append(service.organization.name if service.organization_id else "")
    if "service_at_locations" in getattr(service, "_prefetched_objects_cache", {}):
        rest += [sal.location.city for sal in service.service_at_locations.all()]
    else:  # one query rather than one per location
        rest += list(service.service_at_locations.values_list("location__city", flat=True))
    body = _document_words(rest, seen)
    return f"{' '.join(title)} {SECTION} {' '.join(body)}".strip()


def query_terms(query: str) -> list[list[str]]:
    """For each meaningful query word, the prefixes any of which may match (the outer list is ANDed)."""
    words = [w[:MAX_WORD_LENGTH] for w in _words((query or "")[: MAX_QUERY_WORDS * (MAX_WORD_LENGTH + 10)])]
    terms: list[list[str]] = []
    for word in words:
        plain = unaccent(word)
        if plain in STOPWORDS or (len(plain) == 1 and not plain.isdigit()):
            continue
        stem = plain[: max(4, len(plain) - 2)]
        candidates = {stem, *_words(unaccent(_lemma(word)))[:1]}
        # A prefix already covered by a shorter candidate adds nothing.
        prefixes = sorted(c for c in candidates if not any(o != c and c.startswith(o) for o in candidates))
        if prefixes and prefixes not in terms:
            terms.append(prefixes)
        if len(terms) >= MAX_QUERY_WORDS:
            break
    return terms


def fts5_query(terms: list[list[str]]) -> str:
    # Every prefix is a quoted string (double quotes doubled), so FTS5 operators in the input stay plain words.
    def quoted(prefix: str) -> str:
        return '"' + prefix.replace('"', '""') + '"*'

    return " AND ".join("(" + " OR ".join(quoted(p) for p in group) + ")" for group in terms)


def tsquery(terms: list[list[str]]) -> str:
    # Each lexeme in single quotes (doubled inside, backslashes doubled), with the :* prefix marker.
    def quoted(prefix: str) -> str:
        return "'" + prefix.replace("\\", "\\\\").replace("'", "''") + "':*"

    return " & ".join("(" + " | ".join(quoted(p) for p in group) + ")" for group in terms)


# --- PostgreSQL -----------------------------------------------------------------------------------------------------
# catalog_service.search_vector is a stored generated column (weighted: name words 'A', the rest unweighted) with a
# GIN index, created by install_search_index(); it is not a model field, so it exists only on PostgreSQL. Matching
# and ranking read the stored vector: computing to_tsvector per matching row cost 60 ms on 5,000 matches.
_PG_WEIGHTED = (
    "(setweight(to_tsvector('simple'::regconfig, split_part({doc}, '|', 1)), 'A')"
    " || to_tsvector('simple'::regconfig, split_part({doc}, '|', 2)))"
)


def _stored_vector(document_sql: str) -> str:
    """The column reference of search_vector for the same table alias as the compiled search_document column."""
    if not document_sql.endswith('"search_document"'):
        return _PG_WEIGHTED.format(doc=document_sql)  # an expression, not the column: compute the vector
    return document_sql[: -len('"search_document"')] + '"search_vector"'


class _PgMatch(Func):
    output_field = BooleanField()

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, tuple[Any, ...]]:  # type: ignore[override]
        doc_sql, doc_params = compiler.compile(self.source_expressions[0])
        query_sql, query_params = compiler.compile(self.source_expressions[1])
        sql = f"{_stored_vector(doc_sql)} @@ to_tsquery('simple'::regconfig, {query_sql})"
        return sql, (*doc_params, *query_params)


class _PgRank(Func):
    output_field = FloatField()

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, tuple[Any, ...]]:  # type: ignore[override]
        doc_sql, doc_params = compiler.compile(self.source_expressions[0])
        query_sql, query_params = compiler.compile(self.source_expressions[1])
        sql = f"ts_rank({_stored_vector(doc_sql)}, to_tsquery('simple'::regconfig, {query_sql}))"
        return sql, (*doc_params, *query_params)


# --- SQLite ---------------------------------------------------------------------------------------------------------
# catalog_service_search holds one row per service (the document split into name and rest) under a stable integer
# id; catalog_service_fts is an FTS5 index over it (external content). Triggers on catalog_service keep both in sync
# with search_document. A migration that rebuilds catalog_service on SQLite drops those triggers: run
# ``manage.py catalog_reindex`` afterwards (test_search checks that they exist).
_TITLE = f"CASE WHEN instr({{d}}, '{SECTION}') > 0 THEN substr({{d}}, 1, instr({{d}}, '{SECTION}') - 1) ELSE {{d}} END"
_BODY = f"CASE WHEN instr({{d}}, '{SECTION}') > 0 THEN substr({{d}}, instr({{d}}, '{SECTION}') + 1) ELSE '' END"
SQLITE_INDEX_SQL = [
    "CREATE TABLE IF NOT EXISTS catalog_service_search ("
    " id INTEGER PRIMARY KEY, service_id char(32) NOT NULL UNIQUE, title TEXT NOT NULL, body TEXT NOT NULL)",
    "CREATE VIRTUAL TABLE IF NOT EXISTS catalog_service_fts USING fts5("
    " title, body, content='catalog_service_search', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    "CREATE TRIGGER IF NOT EXISTS catalog_service_search_ai AFTER INSERT ON catalog_service_search BEGIN"
    " INSERT INTO catalog_service_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER IF NOT EXISTS catalog_service_search_ad AFTER DELETE ON catalog_service_search BEGIN"
    " INSERT INTO catalog_service_fts(catalog_service_fts, rowid, title, body)"
    " VALUES ('delete', old.id, old.title, old.body); END",
    "CREATE TRIGGER IF NOT EXISTS catalog_service_search_au AFTER UPDATE ON catalog_service_search BEGIN"
    " INSERT INTO catalog_service_fts(catalog_service_fts, rowid, title, body)"
    " VALUES ('delete', old.id, old.title, old.body);"
    " INSERT INTO catalog_service_fts(rowid, title, body) VALUES (new.id, new.title, new.body); END",
    "CREATE TRIGGER IF NOT EXISTS catalog_service_fts_ai AFTER INSERT ON catalog_service BEGIN"  # noqa: S608
    " INSERT INTO catalog_service_search(service_id, title, body)"
    f" VALUES (new.id, {_TITLE.format(d='new.search_document')}, {_BODY.format(d='new.search_document')}); END",
    "CREATE TRIGGER IF NOT EXISTS catalog_service_fts_au AFTER UPDATE OF search_document ON catalog_service BEGIN"  # noqa: S608
    f" UPDATE catalog_service_search SET title = {_TITLE.format(d='new.search_document')},"
    f" body = {_BODY.format(d='new.search_document')} WHERE service_id = new.id; END",
    "CREATE TRIGGER IF NOT EXISTS catalog_service_fts_ad AFTER DELETE ON catalog_service BEGIN"
    " DELETE FROM catalog_service_search WHERE service_id = old.id; END",
]
SQLITE_TRIGGERS = (
    "catalog_service_search_ai",
    "catalog_service_search_ad",
    "catalog_service_search_au",
    "catalog_service_fts_ai",
    "catalog_service_fts_au",
    "catalog_service_fts_ad",
)
SQLITE_DROP_SQL = [
    *(f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS),
    "DROP TABLE IF EXISTS catalog_service_fts",
    "DROP TABLE IF EXISTS catalog_service_search",
]
PG_INDEX_SQL = [
    "DROP INDEX IF EXISTS catalog_service_search_gin",  # the expression index of the first version
    "ALTER TABLE catalog_service ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS "
    f"{_PG_WEIGHTED.format(doc='search_document')} STORED",
    "CREATE INDEX IF NOT EXISTS catalog_service_search_vector_gin ON catalog_service USING gin (search_vector)",
]
PG_DROP_SQL = [
    "DROP INDEX IF EXISTS catalog_service_search_vector_gin",
    "ALTER TABLE catalog_service DROP COLUMN IF EXISTS search_vector",
]


def install_search_index(connection: Any, *, rebuild: bool = False) -> None:
    """Create the index objects if missing (idempotent); ``rebuild`` reloads the SQLite index from the documents."""
    statements = {"sqlite": SQLITE_INDEX_SQL, "postgresql": PG_INDEX_SQL}.get(connection.vendor, [])
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # Even CREATE INDEX IF NOT EXISTS fails inside a transaction with pending deferred-constraint events.
            cursor.execute("SELECT 1 FROM pg_indexes WHERE indexname = 'catalog_service_search_vector_gin'")
            statements = [] if cursor.fetchone() else statements
        for statement in statements:
            cursor.execute(statement)
        if rebuild and connection.vendor == "sqlite":
            cursor.execute("DELETE FROM catalog_service_search")
            cursor.execute(
                "INSERT INTO catalog_service_search(service_id, title, body) SELECT id, "  # noqa: S608
                f"{_TITLE.format(d='search_document')}, {_BODY.format(d='search_document')} FROM catalog_service"
            )
            cursor.execute("INSERT INTO catalog_service_fts(catalog_service_fts) VALUES ('rebuild')")


def uninstall_search_index(connection: Any) -> None:
    statements = {"sqlite": SQLITE_DROP_SQL, "postgresql": PG_DROP_SQL}.get(connection.vendor, [])
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


class _SqliteMatch(Lookup):
    """Joins the service to its row of the FTS index and keeps the rows matching the query. The index tables come
    in through ``extra(tables=...)``; the service side is a compiled column, so the condition survives the aliasing
    of a queryset used as a subquery. A Lookup, because SQLite only allows MATCH as a bare WHERE condition."""

    lookup_name = "catalog_fts_match"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        pk_sql, pk_params = self.process_lhs(compiler, connection)
        query_sql, query_params = self.process_rhs(compiler, connection)
        # The unary + stops SQLite from looking the index up row by row from catalog_service (a full MATCH per
        # service: seconds on 5,000 services); the only plan left starts from the MATCH and joins by primary keys.
        sql = (
            f"{pk_sql} = +catalog_service_search.service_id"
            " AND catalog_service_search.id = +catalog_service_fts.rowid"
            f" AND catalog_service_fts MATCH {query_sql}"
        )
        return sql, [*pk_params, *query_params]


# bm25 of the matching row (lower is better); a match in the name weighs five times more than one in the rest.
_SQLITE_RANK = "bm25(catalog_service_fts, 5.0, 1.0)"


def search_services(queryset: QuerySet[Any], query: str) -> QuerySet[Any]:
    """``queryset`` narrowed to the services matching every word of ``query``, best first (annotated with
    ``search_rank``). A query without searchable words returns ``queryset`` unchanged."""
    terms = query_terms(query)
    if not terms:
        return queryset
    vendor = connections[queryset.db].vendor
    if vendor == "sqlite":
        if "catalog_service_fts" in queryset.query.extra_tables:  # searched twice: the first search narrows only
            queryset = queryset.model._default_manager.filter(pk__in=queryset.order_by().values("pk"))
        # extra() is the one way to join a table Django has no model for; a correlated bm25 subquery per row was
        # 40 times slower on 5,000 services. The extra SQL is constant and the user's words go in as a parameter.
        queryset = queryset.extra(  # noqa: S610
            tables=["catalog_service_search", "catalog_service_fts"], select={"search_rank": _SQLITE_RANK}
        )
        queryset = queryset.filter(_SqliteMatch(F("pk"), Value(fts5_query(terms))))
        return queryset.order_by("search_rank", "name", "pk")
    if vendor == "postgresql":
        tsq = Value(tsquery(terms))
        queryset = queryset.filter(_PgMatch(F("search_document"), tsq))
        return queryset.annotate(search_rank=_PgRank(F("search_document"), tsq)).order_by("-search_rank", "name", "pk")
    # Any other database: the same prefixes, by containment (no index, no ranking).
    condition = Q()
    for group in terms:
        any_prefix = Q()
        for prefix in group:
            any_prefix |= Q(search_document__startswith=prefix) | Q(search_document__contains=f" {prefix}")
        condition &= any_prefix
    return queryset.filter(condition)


def page_keys(queryset: QuerySet[Any], start: int, size: int) -> tuple[list[Any], int | None]:
    """The primary keys of rows ``start .. start + size`` of ``queryset`` in its order, and the number of all its
    rows, in ONE query: a search then matches and ranks once per page instead of twice (once for the count, once
    for the page). The count is ``None`` when the page is past the end (no row carries it): call
    ``queryset.count()`` then. Only the key and the ordering columns are selected, so the sort does not drag whole
    rows along; load the page's rows by key afterwards (``load_in_order``).

    The matching rows are kept once (a materialized CTE), then counted and sorted: faster than ``COUNT(*) OVER ()``
    (3,340 matches: 14.1 → 11.9 ms on PostgreSQL, 18.1 → 17.1 ms on SQLite), which SQLite also refuses beside
    ``bm25()`` in one query."""
    query = queryset.query
    connection = connections[queryset.db]
    order = [_order_key(item) for item in query.order_by or (queryset.model._meta.ordering or ["pk"])]
    if "pk" not in {field for field, _descending, _alphabetical in order}:
        order.append(("pk", False, False))  # a total order: pages neither repeat nor skip rows
    aliases: dict[str, Any] = {"page_key": F("pk")}
    selected: list[str] = []  # ordering columns the query selects already (the rank)
    outer_order: list[str] = []
    for index, (field, descending, alphabetical) in enumerate(order):
        if field in query.extra_select or field in query.annotations:
            column = field
            selected.append(field)
        else:
            column = f"page_order_{index}"
            aliases[column] = F(field)
        collation = f" COLLATE {collation_sql(connection)}" if alphabetical else ""
        outer_order.append(f'page."{column}"{collation}{" DESC" if descending else ""}')
    inner = queryset.order_by().annotate(**aliases).values_list(*dict.fromkeys([*aliases, *selected]))
    inner_sql, params = inner.query.sql_with_params()
    sql = (
        f"WITH page AS MATERIALIZED ({inner_sql})"  # noqa: S608 (compiled by Django)
        f' SELECT page."page_key", (SELECT COUNT(*) FROM page) FROM page'
        f" ORDER BY {', '.join(outer_order)} LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, (*params, size, start))
        rows = cursor.fetchall()
    pk_field = queryset.model._meta.pk
    keys = [pk_field.to_python(row[0]) for row in rows]
    return keys, (rows[0][1] if rows else None)


def _order_key(ordering: Any) -> tuple[str, bool, bool]:
    """(field, descending, alphabetical) of one item of an ordering: "-name", ``Alphabetical("name")`` or either
    expression's ``.asc()`` / ``.desc()``."""
    item: Any = ordering
    descending = False
    if isinstance(item, OrderBy):
        descending, item = item.descending, item.expression
    alphabetical = isinstance(item, Alphabetical)
    if alphabetical:
        item = item.get_source_expressions()[0]
    if isinstance(item, F):
        item = item.name  # type: ignore[attr-defined]  # F has one (the stubs leave it out)
    if not isinstance(item, str) or item.startswith("?"):
        raise ValueError(f"page_keys: unsupported ordering {item!r}")
    return item.removeprefix("-"), descending != item.startswith("-"), alphabetical


def load_in_order(queryset: QuerySet[Any], keys: list[Any]) -> list[Any]:
    """The rows of ``queryset`` with these primary keys, in the order of ``keys`` (its own order is ignored)."""
    if not keys:
        return []
    by_key = {row.pk: row for row in queryset.order_by().filter(pk__in=keys)}
    return [by_key[key] for key in keys if key in by_key]
