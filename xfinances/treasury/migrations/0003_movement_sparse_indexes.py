"""Movements: no single-column index on company (the composite indexes lead with it);
category, transfer and author indexed only where set (a bank statement's movements have
none of them). Read docs/banking.md, "Benchmark"."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_text_length_limits"),
        ("treasury", "0002_forecast_reopen_allow_negative"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="movement",
            name="category",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="treasury.cashflowcategory",
                verbose_name="cash-flow category",
            ),
        ),
        migrations.AlterField(
            model_name="movement",
            name="company",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="core.company",
            ),
        ),
        migrations.AlterField(
            model_name="movement",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="movement",
            name="transfer",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="movements",
                to="treasury.transfer",
            ),
        ),
        migrations.AddIndex(
            model_name="movement",
            index=models.Index(
                condition=models.Q(("category__isnull", False)),
                fields=["category"],
                name="treasury_mv_category",
            ),
        ),
        migrations.AddIndex(
            model_name="movement",
            index=models.Index(
                condition=models.Q(("transfer__isnull", False)),
                fields=["transfer"],
                name="treasury_mv_transfer",
            ),
        ),
        migrations.AddIndex(
            model_name="movement",
            index=models.Index(
                condition=models.Q(("created_by__isnull", False)),
                fields=["created_by"],
                name="treasury_mv_created_by",
            ),
        ),
    ]
