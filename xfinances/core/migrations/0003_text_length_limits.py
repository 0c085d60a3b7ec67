"""Every text column gets a maximum length (issue 11): TextFields a CHECK on their length."""

import django.db.models.functions.text
import django.db.models.lookups
from django.db import migrations, models
from django.db.models.functions import Length

# Frozen here (not imported): rows written before these limits existed, when the API took up
# to 10,000 characters, are cut to the limit so that adding the constraint cannot fail.
LIMITS = [
    ("auditentry", "reason", 2000),
]


def cut_over_long_text(apps, schema_editor):
    for model_name, field, limit in LIMITS:
        model = apps.get_model("core", model_name)
        over = model.objects.annotate(chars=Length(field)).filter(chars__gt=limit)
        for pk, value in over.values_list("pk", field).iterator():
            model.objects.filter(pk=pk).update(**{field: value[:limit]})


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_idempotency_record"),
    ]

    operations = [
        migrations.RunPython(cut_over_long_text, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditentry",
            name="reason",
            field=models.TextField(blank=True, max_length=2000),
        ),
        migrations.AddConstraint(
            model_name="auditentry",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("reason"), 2000
                ),
                name="core_auditentry_reason_length",
            ),
        ),
    ]
