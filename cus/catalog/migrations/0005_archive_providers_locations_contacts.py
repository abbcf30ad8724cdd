import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0004_search_vector"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="contact",
            name="catalog_contact_has_owner",
        ),
        migrations.AddField(
            model_name="contact",
            name="department",
            field=models.CharField(blank=True, max_length=250, verbose_name="department"),
        ),
        migrations.AddField(
            model_name="contact",
            name="location",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="contacts",
                to="catalog.location",
            ),
        ),
        migrations.AddField(
            model_name="location",
            name="archived_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="archived at"),
        ),
        migrations.AddField(
            model_name="organization",
            name="archived_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="archived at"),
        ),
        migrations.AddConstraint(
            model_name="contact",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("service__isnull", False),
                    ("organization__isnull", False),
                    ("location__isnull", False),
                    _connector="OR",
                ),
                name="catalog_contact_has_owner",
            ),
        ),
    ]
