"""PostgreSQL: a stored, weighted tsvector column with its own GIN index replaces the expression index of 0003
(see cus.catalog.search). Nothing changes on SQLite."""

from django.db import migrations


def install(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    from cus.catalog.search import install_search_index

    install_search_index(schema_editor.connection)


def uninstall(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP INDEX IF EXISTS catalog_service_search_vector_gin")
        cursor.execute("ALTER TABLE catalog_service DROP COLUMN IF EXISTS search_vector")
        cursor.execute(
            "CREATE INDEX IF NOT EXISTS catalog_service_search_gin ON catalog_service"
            " USING gin (to_tsvector('simple'::regconfig, search_document))"
        )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0003_search_index")]
    operations = [migrations.RunPython(install, uninstall, elidable=False)]
