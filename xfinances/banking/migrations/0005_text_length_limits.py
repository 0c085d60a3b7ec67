"""Every text column of banking gets a maximum length (issue 11): TextFields a CHECK on it.

Rows written before the limits are made to fit first, so adding the constraints cannot fail:
a sealed mailbox password too long to be a real one is cleared (the owner enters it again; a
cut one could not be opened), the allowed senders keep the whole lines that fit. On PostgreSQL
the data step's deferred trigger events are fired before the tables are altered (else: "cannot
ALTER TABLE because it has pending trigger events").
"""

import django.db.models.functions.text
import django.db.models.lookups
from django.db import migrations, models
from django.db.models.functions import Length

# Frozen here (not imported from the models).
PASSWORD_LIMIT = 1200
SENDERS_LIMIT = 2000


def fit_over_long_text(apps, schema_editor):
    mailbox = apps.get_model("banking", "StatementMailbox")
    over = mailbox.objects.annotate(chars=Length("password")).filter(chars__gt=PASSWORD_LIMIT)
    over.update(password="")
    over = mailbox.objects.annotate(chars=Length("allowed_senders"))
    for pk, value in over.filter(chars__gt=SENDERS_LIMIT).values_list("pk", "allowed_senders"):
        kept = value[: SENDERS_LIMIT + 1].split("\n")[:-1]  # the last line is cut or over
        mailbox.objects.filter(pk=pk).update(allowed_senders="\n".join(kept))
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


class Migration(migrations.Migration):
    dependencies = [
        ("banking", "0004_bank_rule_category_cascade"),
        ("core", "0003_text_length_limits"),
        ("treasury", "0002_forecast_reopen_allow_negative"),
    ]

    operations = [
        migrations.RunPython(fit_over_long_text, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="bankconnection",
            name="sca_redirect",
            field=models.CharField(blank=True, max_length=2000),
        ),
        migrations.AlterField(
            model_name="statementmailbox",
            name="allowed_senders",
            field=models.TextField(blank=True, max_length=2000, verbose_name="allowed senders"),
        ),
        migrations.AlterField(
            model_name="statementmailbox",
            name="password",
            field=models.TextField(blank=True, max_length=1200),
        ),
        migrations.AddConstraint(
            model_name="statementmailbox",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("password"), 1200
                ),
                name="banking_statementmailbox_password_length",
            ),
        ),
        migrations.AddConstraint(
            model_name="statementmailbox",
            constraint=models.CheckConstraint(
                condition=django.db.models.lookups.LessThanOrEqual(
                    django.db.models.functions.text.Length("allowed_senders"), 2000
                ),
                name="banking_statementmailbox_allowed_senders_length",
            ),
        ),
    ]
