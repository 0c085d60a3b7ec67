"""Every text column gets a maximum length (issue 11): TextFields a CHECK on their length."""

import django.db.models.functions.text
import django.db.models.lookups
from django.db import migrations, models
from django.db.models.functions import Length

# Frozen here (not imported): rows written before these limits existed, when the API took up
# to 10,000 characters, are cut to the limit so that adding the constraint cannot fail.
LIMITS = [
    ("deliverylogentry", "detail", 2000),
    ("emailtemplate", "body_html", 100000),
    ("emailtemplate", "body_text", 20000),
    ("outboxmessage", "last_error", 4000),
]


def cut_over_long_text(apps, schema_editor):
    for model_name, field, limit in LIMITS:
        model = apps.get_model("notifications", model_name)
        over = model.objects.annotate(chars=Length(field)).filter(chars__gt=limit)
        for pk, value in over.values_list("pk", field).iterator():
            model.objects.filter(pk=pk).update(**{field: value[:limit]})


class Migration(migrations.Migration):
    dependencies = [
        ("notifications", "0002_delivery_settings_attach_electronic_invoice"),
    ]

    operations = [
        migrations.RunPython(cut_over_long_text, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="deliverylogentry",
            name="detail",
            field=models.TextField(blank=True, max_length=2000, verbose_name="detail"),
        ),
        migrations.AlterField(
            model_name="emailtemplate",
            name="body_html",
            field=models.TextField(blank=True, max_length=100000, verbose_name="HTML"),
        ),
        migrations.AlterField(
            model_name="emailtemplate",
            name="body_text",
            field=models.TextField(max_length=20000, verbose_name="text"),
        ),
        migrations.AlterField(
            model_name="outboxmessage",
            name="last_error",
            field=models.TextField(blank=True, max_length=4000, verbose_name="last error"),
        ),
        migrations.AddConstraint(
            model_name="deliverylogentry",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("detail"), 2000
                ),
                name="notifications_deliverylogentry_detail_length",
            ),
        ),
        migrations.AddConstraint(
            model_name="emailtemplate",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("body_html"), 100000
                ),
                name="notifications_emailtemplate_body_html_length",
            ),
        ),
        migrations.AddConstraint(
            model_name="emailtemplate",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("body_text"), 20000
                ),
                name="notifications_emailtemplate_body_text_length",
            ),
        ),
        migrations.AddConstraint(
            model_name="outboxmessage",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("last_error"), 4000
                ),
                name="notifications_outboxmessage_last_error_length",
            ),
        ),
    ]
