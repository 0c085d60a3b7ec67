"""Every write of the purchases area: supplier invoices, attachments, approval, payment state,
categories, settings, UBL import staging, payment batches and the daily payment alerts.

One module per seam; this package re-exports the public actions so `purchases.actions.X` keeps
working for the views, the API, the CLI and the apps above:
- `settings`: categories and purchase settings (seeded when a company is created);
- `cleaning`: reading and checking a document's fields and VAT rows (no writes);
- `invoices`: register, edit, cancel, attachments;
- `ubl_import`: staging a UBL upload and registering it in one transaction;
- `approval`: approval, payment state, payment batches;
- `supplier_alerts`: the daily payment alerts.
"""

from xfinances.purchases.actions.approval import (
    approve_supplier_invoice,
    create_payment_batch,
    mark_batch_sent,
    queries_role,
    reject_supplier_invoice,
    request_approval,
    set_credited_amount,
    set_paid_amount,
    set_paid_amounts,
    set_written_off_amount,
)
from xfinances.purchases.actions.common import (
    ATTACHMENT_SIGNATURES,
    DEFAULT_CATEGORIES,
    attachment_max_bytes,
    invoice_url,
)
from xfinances.purchases.actions.invoices import (
    add_attachment,
    cancel_supplier_invoice,
    register_supplier_invoice,
    remove_attachment,
    update_supplier_invoice,
)
from xfinances.purchases.actions.settings import (
    create_purchase_category,
    ensure_purchase_categories,
    on_company_created,
    update_purchase_category,
    update_purchase_settings,
)
from xfinances.purchases.actions.supplier_alerts import AlertRunResult, run_supplier_alerts
from xfinances.purchases.actions.ubl_import import (
    create_supplier_from_ubl,
    register_from_ubl,
    stage_ubl_import,
)

__all__ = [
    "ATTACHMENT_SIGNATURES",
    "DEFAULT_CATEGORIES",
    "AlertRunResult",
    "add_attachment",
    "approve_supplier_invoice",
    "attachment_max_bytes",
    "cancel_supplier_invoice",
    "create_payment_batch",
    "create_purchase_category",
    "create_supplier_from_ubl",
    "ensure_purchase_categories",
    "invoice_url",
    "mark_batch_sent",
    "on_company_created",
    "queries_role",
    "register_from_ubl",
    "register_supplier_invoice",
    "reject_supplier_invoice",
    "remove_attachment",
    "request_approval",
    "run_supplier_alerts",
    "set_credited_amount",
    "set_paid_amount",
    "set_paid_amounts",
    "set_written_off_amount",
    "stage_ubl_import",
    "update_purchase_category",
    "update_purchase_settings",
    "update_supplier_invoice",
]
