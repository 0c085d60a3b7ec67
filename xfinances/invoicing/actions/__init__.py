"""Every write to sales documents, one module per kind of write: drafts, issue, corrections
(edit, void, conversions, notes, copies), number series, stored PDFs, delivery by e-mail and
webhooks, print settings, recurring invoices. (API idempotency keys: core/idempotency.py.)

Each action is one transaction, takes the acting user first, checks the role, validates (an
`InvalidInput` naming the field, nothing changed), writes the audit trail, and schedules the
PDF only after commit. Totals come only from `totals.py`; the number only from `numbering.py`.
See docs/sales-documents.md for the rules. Callers use `from xfinances.invoicing import actions`
and the names below.
"""

from __future__ import annotations

from xfinances.invoicing.actions.common import (
    EU_VAT_COLUMNS,
    EURO_DAY,
    HEADER_FIELDS,
    INTRA_EU_GOODS_COLUMN,
    LINE_FIELDS,
    CleanLine,
    DocumentResult,
    annulment_protocol_after_days,
    render_pdf_on_commit,
    tax_event_max_days_after_issue,
)
from xfinances.invoicing.actions.corrections import (
    advance_deduction_lines,
    annulment_protocol_data,
    convert_proforma,
    copy_document,
    create_credit_note,
    create_debit_note,
    edit_issued_document,
    void_document,
)
from xfinances.invoicing.actions.delivered import (
    mark_delivered,
    update_document_settings,
    void_and_reissue,
)
from xfinances.invoicing.actions.delivery import (
    document_data,
    document_event,
    invoice_recipients,
    issue_facts_read,
    on_document_issued,
    on_document_updated,
    on_document_voided,
    on_message_sent,
    pdf_attachment,
    placeholder_values,
    portal_link,
    record_portal_download,
    resend_corrected,
    send_document,
    send_documents,
    template_language,
)
from xfinances.invoicing.actions.delivery_rules import (
    delivery_refusal,
    document_settings,
    ensure_editable_after_delivery,
)
from xfinances.invoicing.actions.drafts import (
    create_draft,
    delete_draft,
    update_draft,
)
from xfinances.invoicing.actions.exported import (
    mark_exported,
    mark_many_exported,
)
from xfinances.invoicing.actions.issue import (
    DOCUMENT_FIELDS,
    issue_document,
)
from xfinances.invoicing.actions.lines import (
    GROUP_COMPARED,
    LINE_COMPARED,
    Computed,
    _bank_accounts_read,
    _groups_read,
    _lines_read,
)
from xfinances.invoicing.actions.payment_status import (
    refresh_payment_status,
    refresh_payment_statuses,
)
from xfinances.invoicing.actions.pdfs import (
    attach_pdf,
    attach_protocol_pdf,
    render_document_pdf,
    store_pdf,
)
from xfinances.invoicing.actions.print_settings import (
    update_print_settings,
)
from xfinances.invoicing.actions.recurring import (
    RECURRING_FIELDS,
    RecurringStep,
    create_recurring,
    delete_recurring,
    due_recurring_ids,
    pause_recurring,
    run_due_recurring,
    run_recurring_now,
    run_recurring_period,
    update_recurring,
)
from xfinances.invoicing.actions.saving import save_and_issue, save_document
from xfinances.invoicing.actions.series import (
    create_series,
    deactivate_series,
    update_series,
)
from xfinances.invoicing.actions.snapshots import (
    printed_bank_accounts,
    search_text_of,
)

__all__ = [
    "DOCUMENT_FIELDS",
    "EURO_DAY",
    "EU_VAT_COLUMNS",
    "GROUP_COMPARED",
    "HEADER_FIELDS",
    "INTRA_EU_GOODS_COLUMN",
    "LINE_COMPARED",
    "LINE_FIELDS",
    "RECURRING_FIELDS",
    "CleanLine",
    "Computed",
    "DocumentResult",
    "RecurringStep",
    "_bank_accounts_read",
    "_groups_read",
    "_lines_read",
    "advance_deduction_lines",
    "annulment_protocol_after_days",
    "annulment_protocol_data",
    "attach_pdf",
    "attach_protocol_pdf",
    "convert_proforma",
    "copy_document",
    "create_credit_note",
    "create_debit_note",
    "create_draft",
    "create_recurring",
    "create_series",
    "deactivate_series",
    "delete_draft",
    "delete_recurring",
    "delivery_refusal",
    "document_data",
    "document_event",
    "document_settings",
    "due_recurring_ids",
    "edit_issued_document",
    "ensure_editable_after_delivery",
    "invoice_recipients",
    "issue_document",
    "issue_facts_read",
    "mark_delivered",
    "mark_exported",
    "mark_many_exported",
    "on_document_issued",
    "on_document_updated",
    "on_document_voided",
    "on_message_sent",
    "pause_recurring",
    "pdf_attachment",
    "placeholder_values",
    "portal_link",
    "printed_bank_accounts",
    "record_portal_download",
    "refresh_payment_status",
    "refresh_payment_statuses",
    "render_document_pdf",
    "render_pdf_on_commit",
    "resend_corrected",
    "run_due_recurring",
    "run_recurring_now",
    "run_recurring_period",
    "save_and_issue",
    "save_document",
    "search_text_of",
    "send_document",
    "send_documents",
    "store_pdf",
    "tax_event_max_days_after_issue",
    "template_language",
    "update_document_settings",
    "update_draft",
    "update_print_settings",
    "update_recurring",
    "update_series",
    "void_and_reissue",
    "void_document",
]
