"""Every text column gets a maximum length (issue 11): TextFields a CHECK on their length."""

import django.db.models.functions.text
import django.db.models.lookups
from django.db import migrations, models
from django.db.models.functions import Length

# Frozen here (not imported): rows written before these limits existed, when the API took up
# to 10,000 characters, are cut to the limit so that adding the constraint cannot fail.
LIMITS = [
    ("document", "void_reason", 1000),
    ("document", "note_reason", 1000),
    ("document", "terms", 2000),
    ("document", "notes", 2000),
    ("documentline", "legal_basis", 500),
    ("documentline", "description", 2000),
    ("documentvatgroup", "legal_basis", 500),
    ("printsettings", "custom_template", 524288),
    ("recurringinvoice", "notes", 2000),
    ("recurringrun", "error", 2000),
]


def cut_over_long_text(apps, schema_editor):
    for model_name, field, limit in LIMITS:
        model = apps.get_model("invoicing", model_name)
        over = model.objects.annotate(chars=Length(field)).filter(chars__gt=limit)
        for pk, value in over.values_list("pk", field).iterator():
            model.objects.filter(pk=pk).update(**{field: value[:limit]})


class Migration(migrations.Migration):
    dependencies = [
        ("invoicing", "0007_idempotency_keys_to_core"),
    ]

    operations = [
        migrations.RunPython(cut_over_long_text, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="document",
            name="note_reason",
            field=models.TextField(blank=True, max_length=1000, verbose_name="reason"),
        ),
        migrations.AlterField(
            model_name="document",
            name="notes",
            field=models.TextField(blank=True, max_length=2000, verbose_name="notes"),
        ),
        migrations.AlterField(
            model_name="document",
            name="terms",
            field=models.TextField(blank=True, max_length=2000, verbose_name="terms"),
        ),
        migrations.AlterField(
            model_name="document",
            name="void_reason",
            field=models.TextField(blank=True, max_length=1000),
        ),
        migrations.AlterField(
            model_name="documentline",
            name="description",
            field=models.TextField(max_length=2000, verbose_name="description"),
        ),
        migrations.AlterField(
            model_name="documentline",
            name="legal_basis",
            field=models.TextField(blank=True, max_length=500),
        ),
        migrations.AlterField(
            model_name="documentvatgroup",
            name="legal_basis",
            field=models.TextField(blank=True, max_length=500),
        ),
        migrations.AlterField(
            model_name="printsettings",
            name="custom_template",
            field=models.TextField(blank=True, max_length=524288, verbose_name="custom template"),
        ),
        migrations.AlterField(
            model_name="recurringinvoice",
            name="notes",
            field=models.TextField(blank=True, max_length=2000, verbose_name="notes"),
        ),
        migrations.AlterField(
            model_name="recurringrun",
            name="error",
            field=models.TextField(blank=True, max_length=2000, verbose_name="problem"),
        ),
        migrations.AddConstraint(
            model_name="document",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("void_reason"), 1000
                ),
                name="invoicing_document_void_reason_length",
            ),
        ),
        migrations.AddConstraint(
            model_name="document",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("note_reason"), 1000
                ),
                name="invoicing_document_note_reason_length",
            ),
        ),
        migrations.AddConstraint(
            model_name="document",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("terms"), 2000
                ),
                name="invoicing_document_terms_length",
            ),
        ),
        migrations.AddConstraint(
            model_name="document",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("notes"), 2000
                ),
                name="invoicing_document_notes_length",
            ),
        ),
        migrations.AddConstraint(
            model_name="documentline",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("legal_basis"), 500
                ),
                name="invoicing_documentline_legal_basis_length",
            ),
        ),
        migrations.AddConstraint(
            model_name="documentline",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("description"), 2000
                ),
                name="invoicing_documentline_description_length",
            ),
        ),
        migrations.AddConstraint(
            model_name="documentvatgroup",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("legal_basis"), 500
                ),
                name="invoicing_documentvatgroup_legal_basis_length",
            ),
        ),
        migrations.AddConstraint(
            model_name="printsettings",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("custom_template"), 524288
                ),
                name="invoicing_printsettings_custom_template_length",
            ),
        ),
        migrations.AddConstraint(
            model_name="recurringinvoice",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("notes"), 2000
                ),
                name="invoicing_recurringinvoice_notes_length",
            ),
        ),
        migrations.AddConstraint(
            model_name="recurringrun",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("error"), 2000
                ),
                name="invoicing_recurringrun_error_length",
            ),
        ),
    ]
