"""A document's stored PDFs: rendering after commit, keeping each version."""

from __future__ import annotations

import hashlib
import logging
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from huey.contrib.djhuey import db_task

from xfinances.core.printing import PdfError
from xfinances.invoicing import locks, pdf, printing
from xfinances.invoicing.actions.common import render_pdf_on_commit
from xfinances.invoicing.models import (
    Document,
    DocumentPdf,
    DocumentStatus,
)

# --- PDF ---------------------------------------------------------------------------------------


def _schedule_pdf(document: Document) -> None:
    if not render_pdf_on_commit():
        return
    document_id = document.pk

    # robust: a job queue that is down must not turn the committed issue into a 500; the
    # periodic render_missing_pdfs renders it when the queue is back.
    transaction.on_commit(lambda: render_document_pdf(document_id), robust=True)


@db_task(retries=2, retry_delay=10)
def render_document_pdf(document_id: int) -> bool:
    """Render and store the current PDF of a document (the same bytes again change nothing).
    Declared beside `store_pdf`, which it runs, and `_schedule_pdf`, which queues it; tasks.py
    lists it with the other jobs."""
    document = Document.objects.select_related("company").filter(pk=document_id).first()
    if document is None:
        return False
    return store_pdf(document)


logger = logging.getLogger(__name__)

# A document issued less than this long ago may still have its own rendering job on the way.
MISSING_PDF_GRACE = timedelta(minutes=5)


def render_missing_pdfs(limit: int = 200) -> int:
    """Render the PDFs that issued (or voided) documents of every company still lack — a worker
    killed between the issue and its rendering job leaves one without — and the annulment
    protocols voided documents need; the oldest first, at most `limit` per run. A document
    that cannot be rendered is logged and skipped, so it cannot hold up the others. Returns how
    many documents got their files."""
    cutoff = timezone.now() - MISSING_PDF_GRACE
    lacking = (
        Document.objects.select_related("company")
        .exclude(status=DocumentStatus.DRAFT)
        .filter(issued_at__lt=cutoff)
        .filter(
            Q(pdf_file="")
            | Q(
                status=DocumentStatus.VOIDED,
                annulment_protocol_needed=True,
                protocol_pdf_file="",
            )
        )
        .order_by("issued_at", "pk")[:limit]
    )
    rendered = 0
    for document in lacking:
        try:
            store_pdf(document)
        except PdfError as error:
            logger.error(
                "PDF of document %s (company %s): %s", document.pk, document.company_id, error
            )
            continue
        rendered += 1
    return rendered


def store_pdf(document: Document) -> bool:
    """Render the document with the company's print settings and keep the file (the previous
    PDF moves to DocumentPdf); a voided document that needs one gets its annulment protocol."""
    attach_pdf(document, printing.document_pdf(document))
    if (
        document.status == DocumentStatus.VOIDED
        and document.annulment_protocol_needed
        and not document.protocol_pdf_file
    ):
        protocol = pdf.render_annulment_protocol_pdf(printing.annulment_protocol_for(document))
        attach_protocol_pdf(document, bytes(protocol))
    return True


@transaction.atomic
def attach_protocol_pdf(document: Document, content: bytes) -> Document:
    """Keep the annulment protocol's PDF of a voided document. Made once: a rerun changes
    nothing (the protocol's facts — number, date, reason — never change after voiding)."""
    document = locks.lock_document(document.company, document.pk)
    if document.protocol_pdf_file:
        return document
    name = f"annulment-{document.number}-{document.pk}.pdf"
    document.protocol_pdf_file.save(name, ContentFile(content), save=False)
    document.protocol_pdf_sha256 = hashlib.sha256(content).hexdigest()
    document.save(update_fields=["protocol_pdf_file", "protocol_pdf_sha256"])
    return document


@transaction.atomic
def attach_pdf(document: Document, content: bytes) -> Document:
    """Make `content` the document's current PDF, keeping the previous one in the history.
    The same bytes again change nothing (a retried job is harmless)."""
    document = locks.lock_document(document.company, document.pk)
    digest = hashlib.sha256(content).hexdigest()
    if digest == document.pdf_sha256:
        return document
    now = timezone.now()
    if document.pdf_file:
        DocumentPdf.objects.create(
            company=document.company,
            document=document,
            version=document.pdf_version,
            file=document.pdf_file.name,
            sha256=document.pdf_sha256,
            rendered_at=document.pdf_rendered_at or now,
        )
    version = document.pdf_version + 1
    name = f"{document.kind}-{document.number or 'draft'}-{document.pk}-v{version}.pdf"
    document.pdf_file.save(name, ContentFile(content), save=False)
    document.pdf_sha256 = digest
    document.pdf_version = version
    document.pdf_rendered_at = now
    document.save(update_fields=["pdf_file", "pdf_sha256", "pdf_version", "pdf_rendered_at"])
    return document
