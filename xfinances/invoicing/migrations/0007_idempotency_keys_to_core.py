"""API idempotency keys move to core (`core/idempotency.py`, one implementation for every API
create). The keys seen so far are copied, so a client retrying a create made before the upgrade
still gets its first answer; a key the company already used in core keeps core's record."""

from django.db import migrations


def copy_keys(apps, schema_editor):
    # Frozen models of this point in history, not the live ones.
    old = apps.get_model("invoicing", "IdempotencyKey")
    new = apps.get_model("core", "IdempotencyRecord")
    for row in old.objects.order_by("pk").iterator():
        if new.objects.filter(company_id=row.company_id, key=row.key).exists():
            continue
        new.objects.create(
            company_id=row.company_id,
            key=row.key,
            request_hash=row.request_hash,
            response_status=row.response_status,
            response=row.response,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_idempotency_record"),
        ("invoicing", "0006_delivery_and_document_settings"),
    ]

    operations = [
        migrations.RunPython(copy_keys, migrations.RunPython.noop),
        migrations.DeleteModel(name="IdempotencyKey"),
    ]
