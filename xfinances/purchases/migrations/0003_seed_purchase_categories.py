"""Seed the default purchase categories of companies that have none.

New companies get them from the CompanyCreated handler (purchases.actions.on_company_created);
the pages no longer write them on GET, so the companies created before that handler existed get
them here. The names are frozen (Bulgarian, the product's default language), not imported from
the live module, so this migration means the same thing whenever it runs.
"""

from django.db import migrations

CATEGORIES = (
    "Материали",
    "Стоки за препродажба",
    "Услуги",
    "Наем",
    "Комунални услуги",
    "Гориво",
    "Дълготрайни активи",
    "Телекомуникации",
    "Друга",
)


def seed(apps, schema_editor):
    Company = apps.get_model("core", "Company")
    PurchaseCategory = apps.get_model("purchases", "PurchaseCategory")
    having = PurchaseCategory.objects.values("company_id")
    for company_id in Company.objects.exclude(pk__in=having).values_list("pk", flat=True):
        PurchaseCategory.objects.bulk_create(
            [
                PurchaseCategory(company_id=company_id, name=name, sort_order=order * 10)
                for order, name in enumerate(CATEGORIES, start=1)
            ]
        )


class Migration(migrations.Migration):
    dependencies = [
        ("purchases", "0002_text_length_limits"),
        ("core", "0001_initial"),
    ]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
