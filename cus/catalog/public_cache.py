"""The version of the public catalog: a counter bumped in the same transaction as every write to catalog data.

Answers of the public API that are expensive to build (a fully nested HSDS service: ten queries) are cached under
a key that includes this version, so a write makes every cached answer unreachable at once, in every worker
process, as soon as it commits: nothing stale is served after a publish, an archive or an edit of a place, a
schedule, a contact or a term. A reader that read the old version while the write was committing may store the
new data under the old key; that entry is never read again.

The counter is one row of ``catalog_publicversion`` (migration 0006; a plain table, not a model, read and written
with one statement each). It is bumped by signal receivers (connected in ``CatalogConfig.ready``) on every save and
delete of a catalog model, on changes of their many-to-many links, and on saves of municipalities (their names are
part of the output). Writes that send no signals — ``QuerySet.update()``, ``bulk_create()``, raw SQL — must call
``bump()`` themselves when they change public data (the benchmark generator does; the search-document update
in ``services.py`` changes nothing the API shows).
"""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.models.signals import m2m_changed, post_delete, post_save

TABLE = "catalog_publicversion"
WATCHED_APPS = frozenset({"catalog"})
WATCHED_MODELS = frozenset({("core", "municipality")})
CREATE_SQL = [
    f"CREATE TABLE IF NOT EXISTS {TABLE} (id integer NOT NULL PRIMARY KEY, version bigint NOT NULL)",
    f"INSERT INTO {TABLE} (id, version) SELECT 1, 0 WHERE NOT EXISTS (SELECT 1 FROM {TABLE} WHERE id = 1)",  # noqa: S608
]
DROP_SQL = [f"DROP TABLE IF EXISTS {TABLE}"]
VERSION_SQL = f"SELECT version FROM {TABLE} WHERE id = 1"  # noqa: S608


def current(using: str = "default") -> int | None:
    """The version now; ``None`` when the counter row is missing (then nothing may be cached)."""
    with connections[using].cursor() as cursor:
        cursor.execute(VERSION_SQL)
        row = cursor.fetchone()
    return int(row[0]) if row else None


def bump(using: str = "default") -> None:
    """Make every cached public answer stale; runs inside the caller's transaction (rolled back with it)."""
    with connections[using].cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET version = version + 1 WHERE id = 1")  # noqa: S608


def _watched(sender: Any) -> bool:
    meta = getattr(sender, "_meta", None)
    if meta is None or sender.__module__ == "__fake__":  # historical models of migrations run before the table
        return False
    return meta.app_label in WATCHED_APPS or (meta.app_label, meta.model_name) in WATCHED_MODELS


def _on_write(sender: Any, using: str = "default", **kwargs: Any) -> None:
    if kwargs.get("raw"):  # loaddata: fixtures are loaded before the table may exist
        return
    if _watched(sender):
        bump(using)


def _on_m2m(sender: Any, instance: Any, action: str, using: str = "default", **kwargs: Any) -> None:
    if action.startswith("post_") and (_watched(type(instance)) or _watched(kwargs.get("model"))):
        bump(using)


def connect() -> None:
    post_save.connect(_on_write, dispatch_uid="catalog-public-version-save")
    post_delete.connect(_on_write, dispatch_uid="catalog-public-version-delete")
    m2m_changed.connect(_on_m2m, dispatch_uid="catalog-public-version-m2m")
