"""Background jobs of sales documents. Thin: they take ids and call actions; reruns are harmless.

`render_document_pdf` is declared beside the action that queues it (actions/pdfs.py) and listed
here with the others."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from xfinances.invoicing.actions import run_due_recurring
from xfinances.invoicing.actions.pdfs import render_document_pdf

__all__ = ["render_document_pdf", "run_recurring_invoices"]


@db_periodic_task(crontab(hour="6", minute="10"))
def run_recurring_invoices() -> int:
    """Daily: invoice every due period of every recurring invoice (one period per template per
    step, each in its own transaction; reruns and parallel workers make nothing twice)."""
    return run_due_recurring()
