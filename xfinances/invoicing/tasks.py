"""Background jobs of sales documents. Thin: they take ids and call actions; reruns are harmless."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from xfinances.invoicing.models import Document


@db_task(retries=2, retry_delay=10)
def render_document_pdf(document_id: int) -> bool:
    """Render and store the current PDF of a document (the same bytes again change nothing)."""
    from xfinances.invoicing.actions import store_pdf

    document = Document.objects.select_related("company").filter(pk=document_id).first()
    if document is None:
        return False
    return store_pdf(document)


@db_periodic_task(crontab(hour="6", minute="10"))
def run_recurring_invoices() -> int:
    """Daily: invoice every due period of every recurring invoice (one period per template per
    step, each in its own transaction; reruns and parallel workers make nothing twice)."""
    from xfinances.invoicing.actions import run_due_recurring

    return run_due_recurring()
