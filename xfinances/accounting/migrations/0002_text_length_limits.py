"""Every text column of accounting gets a maximum length (issue 11): TextFields a CHECK on it.

Error texts written before the limit are cut to it first, so adding the constraints cannot fail
(the actions already cut new ones to the same 4,000 characters). On PostgreSQL the data step's
deferred trigger events are fired before the tables are altered (else: "cannot ALTER TABLE
because it has pending trigger events").
"""

import django.db.models.functions.text
import django.db.models.lookups
from django.conf import settings
from django.db import migrations, models
from django.db.models.functions import Length

# Frozen here (not imported from the models).
LIMITS = [
    ("destination", "last_error", 4000),
    ("exportbatch", "error", 4000),
    ("documentexport", "error", 4000),
]


def cut_over_long_text(apps, schema_editor):
    for model_name, field, limit in LIMITS:
        model = apps.get_model("accounting", model_name)
        over = model.objects.annotate(chars=Length(field)).filter(chars__gt=limit)
        for pk, value in over.values_list("pk", field).iterator():
            model.objects.filter(pk=pk).update(**{field: value[:limit]})
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("accounting", "0001_initial"),
        ("core", "0003_text_length_limits"),
        ("notifications", "0003_text_length_limits"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(cut_over_long_text, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="destination",
            name="last_error",
            field=models.TextField(blank=True, max_length=4000, verbose_name="last problem"),
        ),
        migrations.AlterField(
            model_name="documentexport",
            name="error",
            field=models.TextField(blank=True, max_length=4000, verbose_name="problem"),
        ),
        migrations.AlterField(
            model_name="exportbatch",
            name="error",
            field=models.TextField(blank=True, max_length=4000, verbose_name="problem"),
        ),
        migrations.AddConstraint(
            model_name="destination",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("last_error"), 4000
                ),
                name="accounting_destination_last_error_length",
            ),
        ),
        migrations.AddConstraint(
            model_name="documentexport",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("error"), 4000
                ),
                name="accounting_documentexport_error_length",
            ),
        ),
        migrations.AddConstraint(
            model_name="exportbatch",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("error"), 4000
                ),
                name="accounting_exportbatch_error_length",
            ),
        ),
    ]
