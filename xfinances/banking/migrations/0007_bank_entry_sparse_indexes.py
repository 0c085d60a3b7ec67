"""Bank entries: no single-column indexes on company and account (the composite indexes lead
with the company, the unique key with the account); payment, party, rule and reversed entry
indexed only where set (a new entry has none of them). Read docs/banking.md, "Benchmark"."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("banking", "0006_payment_files"),
        ("core", "0003_text_length_limits"),
        ("parties", "0002_text_length_limits"),
        ("payments", "0008_seed_reminder_levels"),
        ("treasury", "0002_forecast_reopen_allow_negative"),
    ]

    operations = [
        migrations.AlterField(
            model_name="bankentry",
            name="account",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="treasury.moneyaccount",
            ),
        ),
        migrations.AlterField(
            model_name="bankentry",
            name="company",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="core.company",
            ),
        ),
        migrations.AlterField(
            model_name="bankentry",
            name="party",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="parties.party",
            ),
        ),
        migrations.AlterField(
            model_name="bankentry",
            name="payment",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="payments.payment",
            ),
        ),
        migrations.AlterField(
            model_name="bankentry",
            name="reversed_entry",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="banking.bankentry",
            ),
        ),
        migrations.AlterField(
            model_name="bankentry",
            name="rule",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to="banking.bankrule",
            ),
        ),
        migrations.AddIndex(
            model_name="bankentry",
            index=models.Index(
                condition=models.Q(("payment__isnull", False)),
                fields=["payment"],
                name="banking_entry_payment",
            ),
        ),
        migrations.AddIndex(
            model_name="bankentry",
            index=models.Index(
                condition=models.Q(("party__isnull", False)),
                fields=["party"],
                name="banking_entry_party",
            ),
        ),
        migrations.AddIndex(
            model_name="bankentry",
            index=models.Index(
                condition=models.Q(("rule__isnull", False)),
                fields=["rule"],
                name="banking_entry_rule",
            ),
        ),
        migrations.AddIndex(
            model_name="bankentry",
            index=models.Index(
                condition=models.Q(("reversed_entry__isnull", False)),
                fields=["reversed_entry"],
                name="banking_entry_reversed_entry",
            ),
        ),
    ]
