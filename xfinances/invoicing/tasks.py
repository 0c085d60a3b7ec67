"""Background jobs of sales documents. Thin: they take ids and call actions; reruns are harmless."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from xfinances.invoicing.models import Document


@db_task(retries=2, retry_delay=10)
def render_document_pdf(document_id: int) -> bool:
    """Render and store the current PDF of a document (the same bytes again change nothing)."""
    from xfinances.invoicing.actions import store_pdf

    document = Document.objects.select_related("company").filter(pk=document_id).first()
    if document is None:
        return False
    return store_pdf(document)
