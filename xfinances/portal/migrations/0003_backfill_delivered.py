"""Documents the client saw in the portal before the "delivered" state existed count as delivered.

Invoicing's 0006 marked e-mailed documents delivered but not what the portal had recorded, so an
invoice a client had opened, downloaded or accepted could still be edited as if never seen. This
marks each such issued document with the first of those portal events, as `log_access` would
have. Frozen: the action names and states are copied here, not imported.
"""

from django.db import migrations

# AccessAction → DeliveredVia, as portal.actions._DELIVERED_BY was when this was written.
DELIVERED_BY = {
    "view_document": "portal_view",
    "download_pdf": "portal_download",
    "download_xml": "portal_download",
    "accept": "accepted",
}
ISSUED = "issued"
ACCEPTED = "accepted"


def first_portal_events(apps):
    """{document id: (when, via)} of the earliest portal event of each undelivered document."""
    PortalAccessLog = apps.get_model("portal", "PortalAccessLog")
    DocumentResponse = apps.get_model("portal", "DocumentResponse")
    undelivered = {"document__status": ISSUED, "document__delivered_at__isnull": True}
    first = {}

    def keep(document_id, when, via):
        if document_id not in first or when < first[document_id][0]:
            first[document_id] = (when, via)

    seen = PortalAccessLog.objects.filter(action__in=list(DELIVERED_BY), **undelivered)
    for document_id, when, action in seen.values_list("document_id", "at", "action").iterator():
        keep(document_id, when, DELIVERED_BY[action])
    accepted = DocumentResponse.objects.filter(kind=ACCEPTED, **undelivered)
    for document_id, when in accepted.values_list("document_id", "created_at").iterator():
        keep(document_id, when, DELIVERED_BY["accept"])
    return first


def mark_seen_documents_delivered(apps, schema_editor):
    Document = apps.get_model("invoicing", "Document")
    for document_id, (when, via) in first_portal_events(apps).items():
        Document.objects.filter(pk=document_id, delivered_at__isnull=True).update(
            delivered_at=when, delivered_via=via
        )


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0002_text_length_limits"),
        ("invoicing", "0006_delivery_and_document_settings"),
    ]

    operations = [
        migrations.RunPython(mark_seen_documents_delivered, migrations.RunPython.noop),
    ]
