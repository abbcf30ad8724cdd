from django.db import migrations

from cus.catalog.reference import AREAS, AREAS_TAXONOMY, TARGET_GROUPS, TARGET_GROUPS_TAXONOMY, term_id


def load(apps, schema_editor):
    Taxonomy = apps.get_model("catalog", "Taxonomy")
    TaxonomyTerm = apps.get_model("catalog", "TaxonomyTerm")
    for spec, terms in ((AREAS_TAXONOMY, AREAS), (TARGET_GROUPS_TAXONOMY, TARGET_GROUPS)):
        taxonomy, _ = Taxonomy.objects.update_or_create(
            id=spec["id"],
            defaults={k: spec[k] for k in ("name", "description", "uri", "version")},
        )
        for position, (code, name, name_en) in enumerate(terms, start=1):
            TaxonomyTerm.objects.update_or_create(
                id=term_id(taxonomy.id, code),
                defaults={
                    "taxonomy": taxonomy,
                    "code": code,
                    "name": name,
                    "name_en": name_en,
                    "description": name,
                    "position": position,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
