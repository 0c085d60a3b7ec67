"""Give every existing company the default VAT treatments (xfinances/catalog/vat_defaults.py).

Uses the historical models, so it does not go through the action and writes no audit rows;
companies created later get theirs from `catalog.actions.ensure_company_catalog`.
"""

from django.db import migrations


def seed(apps, schema_editor):
    from xfinances.catalog.vat_defaults import DEFAULT_VAT_TREATMENTS

    Company = apps.get_model("core", "Company")
    VatTreatment = apps.get_model("catalog", "VatTreatment")
    for company in Company.objects.all().iterator():
        existing = set(VatTreatment.objects.filter(company=company).values_list("code", flat=True))
        VatTreatment.objects.bulk_create(
            [
                VatTreatment(company=company, **default)
                for default in DEFAULT_VAT_TREATMENTS
                if default["code"] not in existing
            ]
        )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
