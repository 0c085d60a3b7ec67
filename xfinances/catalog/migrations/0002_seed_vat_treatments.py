"""Give every existing company the default VAT treatments (as catalog/vat_defaults.py had them).

Uses the historical models, so it does not go through the action and writes no audit rows;
companies created later get theirs from `catalog.actions.ensure_company_catalog`.
"""

from decimal import Decimal

from django.db import migrations

# Frozen copy of catalog/vat_defaults.py as it stood when this migration was written: a
# migration must give the same result whatever the live module says later.
DEFAULT_VAT_TREATMENTS = [
    {
        "code": "standard",
        "name": "Стандартна ставка 20 %",
        "name_en": "Standard rate 20 %",
        "rate": Decimal("20.00"),
        "legal_basis": "",
        "reverse_charge": False,
        "nap_column": "02-11",
        "sort_order": 10,
    },
    {
        "code": "accommodation",
        "name": "Настаняване 9 %",
        "name_en": "Hotel accommodation 9 %",
        "rate": Decimal("9.00"),
        "legal_basis": "",
        "reverse_charge": False,
        "nap_column": "02-13",
        "sort_order": 20,
    },
    {
        "code": "export",
        "name": "Износ извън ЕС 0 %",
        "name_en": "Export outside the EU 0 %",
        "rate": Decimal("0.00"),
        "legal_basis": "чл. 28 от ЗДДС",
        "reverse_charge": False,
        "nap_column": "02-14",
        "sort_order": 30,
    },
    {
        "code": "eu_goods",
        "name": "ВОД – вътреобщностна доставка 0 %",
        "name_en": "Intra-EU supply of goods 0 %",
        "rate": Decimal("0.00"),
        "legal_basis": "чл. 53, ал. 1 от ЗДДС",
        "reverse_charge": False,
        "nap_column": "02-15",
        "sort_order": 40,
    },
    {
        "code": "eu_services",
        "name": "Услуга за ЕС (B2B), обратно начисляване",
        "name_en": "B2B service to the EU, reverse charge",
        "rate": None,
        "legal_basis": "чл. 21, ал. 2 от ЗДДС – обратно начисляване",
        "reverse_charge": True,
        "nap_column": "02-17",
        "sort_order": 50,
    },
    {
        "code": "domestic_reverse_charge",
        "name": "Обратно начисляване (Приложение 2)",
        "name_en": "Domestic reverse charge (Annex 2 goods)",
        "rate": None,
        "legal_basis": "чл. 163а, ал. 2 от ЗДДС – обратно начисляване",
        "reverse_charge": True,
        "nap_column": "",
        "sort_order": 60,
    },
    {
        "code": "recipient_liable",
        "name": "Получателят дължи данъка (чл. 82, ал. 2)",
        "name_en": "Recipient liable for VAT (art. 82(2))",
        "rate": None,
        "legal_basis": "чл. 82, ал. 2 от ЗДДС",
        "reverse_charge": True,
        "nap_column": "",
        "sort_order": 70,
    },
    {
        "code": "exempt",
        "name": "Освободена доставка",
        "name_en": "Exempt supply",
        "rate": None,
        "legal_basis": "чл. 45 от ЗДДС",
        "reverse_charge": False,
        "nap_column": "02-19",
        "sort_order": 80,
    },
    {
        "code": "not_registered",
        "name": "Не е регистриран по ЗДДС",
        "name_en": "Issuer not VAT registered",
        "rate": None,
        "legal_basis": "чл. 113, ал. 9 от ЗДДС",
        "reverse_charge": False,
        "nap_column": "",
        "sort_order": 90,
    },
]


def seed(apps, schema_editor):
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
