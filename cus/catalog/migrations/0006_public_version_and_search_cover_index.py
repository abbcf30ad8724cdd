"""The public catalog's version counter (``cus.catalog.public_cache``: cached public answers are keyed on it) and a
covering index of services for search: the rows an FTS/tsvector match finds are checked for their status and
sorted by name without reading whole service rows (SQLite: count of 5,000 matches 18 → 13 ms).

Both are plain SQL, not model state. On SQLite a later migration that rebuilds ``catalog_service`` drops the index
(only speed is lost); ``manage.py migrate catalog 0005`` then ``migrate`` recreates it."""

from django.db import migrations

from cus.catalog.public_cache import CREATE_SQL, DROP_SQL

COVER_INDEX = "catalog_service_search_cover"


class Migration(migrations.Migration):
    dependencies = [("catalog", "0005_archive_providers_locations_contacts")]
    operations = [
        migrations.RunSQL(CREATE_SQL, DROP_SQL, elidable=False),
        migrations.RunSQL(
            f"CREATE INDEX IF NOT EXISTS {COVER_INDEX} ON catalog_service (id, status, name)",
            f"DROP INDEX IF EXISTS {COVER_INDEX}",
            elidable=False,
        ),
    ]
