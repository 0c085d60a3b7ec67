import django.utils.timezone
from django.db import migrations, models


class Migration(migrations.Migration):
    """When a party's IBAN was first given. Accounts that exist already stay empty (unknown, not
    "just now"): the column is added without a default, and the default for new rows follows."""

    dependencies = [
        ("parties", "0002_text_length_limits"),
    ]

    operations = [
        migrations.AddField(
            model_name="partybankaccount",
            name="added_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="added"),
        ),
        migrations.AlterField(
            model_name="partybankaccount",
            name="added_at",
            field=models.DateTimeField(
                blank=True, default=django.utils.timezone.now, null=True, verbose_name="added"
            ),
        ),
    ]
