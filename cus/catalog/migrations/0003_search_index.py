"""The full-text index behind cus.catalog.search: FTS5 tables and triggers on SQLite, a GIN index on PostgreSQL."""

from django.db import migrations


def install(apps, schema_editor):
    from cus.catalog.search import install_search_index

    install_search_index(schema_editor.connection, rebuild=True)


def uninstall(apps, schema_editor):
    from cus.catalog.search import uninstall_search_index

    uninstall_search_index(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_reference_taxonomies"),
    ]

    operations = [
        migrations.RunPython(install, uninstall, elidable=False),
    ]
