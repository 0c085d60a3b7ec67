"""Every text column gets a maximum length (issue 11): TextFields a CHECK on their length."""

import django.db.models.functions.text
import django.db.models.lookups
from django.db import migrations, models
from django.db.models.functions import Length

# Frozen here (not imported): rows written before these limits existed, when the API took up
# to 10,000 characters, are cut to the limit so that adding the constraint cannot fail.
LIMITS = [
    ("dunninglevel", "body_en", 10000),
    ("dunninglevel", "body_bg", 10000),
    ("paymentsettings", "payment_instructions", 2000),
]


def cut_over_long_text(apps, schema_editor):
    for model_name, field, limit in LIMITS:
        model = apps.get_model("payments", model_name)
        over = model.objects.annotate(chars=Length(field)).filter(chars__gt=limit)
        for pk, value in over.values_list("pk", field).iterator():
            model.objects.filter(pk=pk).update(**{field: value[:limit]})


class Migration(migrations.Migration):
    dependencies = [
        ("payments", "0006_level_name_en"),
    ]

    operations = [
        migrations.RunPython(cut_over_long_text, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="dunninglevel",
            name="body_bg",
            field=models.TextField(max_length=10000, verbose_name="text (Bulgarian)"),
        ),
        migrations.AlterField(
            model_name="dunninglevel",
            name="body_en",
            field=models.TextField(max_length=10000, verbose_name="text (English)"),
        ),
        migrations.AlterField(
            model_name="paymentsettings",
            name="payment_instructions",
            field=models.TextField(
                blank=True, max_length=2000, verbose_name="how to pay (shown in reminders)"
            ),
        ),
        migrations.AddConstraint(
            model_name="dunninglevel",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("body_en"), 10000
                ),
                name="payments_dunninglevel_body_en_length",
            ),
        ),
        migrations.AddConstraint(
            model_name="dunninglevel",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("body_bg"), 10000
                ),
                name="payments_dunninglevel_body_bg_length",
            ),
        ),
        migrations.AddConstraint(
            model_name="paymentsettings",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("payment_instructions"), 2000
                ),
                name="payments_paymentsettings_payment_instructions_length",
            ),
        ),
    ]
