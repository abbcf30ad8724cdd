from django.db import migrations

from cus.qualification.reference import load_criteria


def load(apps, schema_editor):
    load_criteria(apps.get_model("qualification", "IncomeCriterion"))


class Migration(migrations.Migration):
    dependencies = [("qualification", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
