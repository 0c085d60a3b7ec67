"""Background jobs of sales documents. Thin: they take ids and call actions; reruns are harmless.

`render_document_pdf` is declared beside the action that queues it (actions/pdfs.py) and listed
here with the others."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from xfinances.invoicing.actions import run_due_recurring
from xfinances.invoicing.actions.pdfs import render_document_pdf, render_missing_pdfs

__all__ = ["render_document_pdf", "render_missing_pdfs_job", "run_recurring_invoices"]


@db_periodic_task(crontab(hour="6", minute="10"))
def run_recurring_invoices() -> int:
    """Daily: invoice every due period of every recurring invoice (one period per template per
    step, each in its own transaction; reruns and parallel workers make nothing twice)."""
    return run_due_recurring()


@db_periodic_task(crontab(minute="*/15"))
def render_missing_pdfs_job() -> int:
    """Every 15 minutes: render the PDFs issued documents still lack (a worker killed between
    the issue and its rendering job leaves one without); a document that fails is skipped."""
    return render_missing_pdfs()
