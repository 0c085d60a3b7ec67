"""Every text column gets a maximum length (issue 11): TextFields a CHECK on their length."""

import django.db.models.functions.text
import django.db.models.lookups
from django.db import migrations, models
from django.db.models.functions import Length

# Frozen here (not imported): rows written before these limits existed, when the API took up
# to 10,000 characters, are cut to the limit so that adding the constraint cannot fail.
LIMITS = [
    ("product", "description", 2000),
    ("vattreatment", "legal_basis", 500),
]


def cut_over_long_text(apps, schema_editor):
    for model_name, field, limit in LIMITS:
        model = apps.get_model("catalog", model_name)
        over = model.objects.annotate(chars=Length(field)).filter(chars__gt=limit)
        for pk, value in over.values_list("pk", field).iterator():
            model.objects.filter(pk=pk).update(**{field: value[:limit]})


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0002_seed_vat_treatments"),
    ]

    operations = [
        migrations.RunPython(cut_over_long_text, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="product",
            name="description",
            field=models.TextField(blank=True, max_length=2000, verbose_name="description"),
        ),
        migrations.AlterField(
            model_name="vattreatment",
            name="legal_basis",
            field=models.TextField(
                blank=True,
                help_text="Printed on the document, e.g. “чл. 28 от ЗДДС”. Required for 0% and no-VAT.",
                max_length=500,
                verbose_name="legal basis",
            ),
        ),
        migrations.AddConstraint(
            model_name="product",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("description"), 2000
                ),
                name="catalog_product_description_length",
            ),
        ),
        migrations.AddConstraint(
            model_name="vattreatment",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("legal_basis"), 500
                ),
                name="catalog_vattreatment_legal_basis_length",
            ),
        ),
    ]
