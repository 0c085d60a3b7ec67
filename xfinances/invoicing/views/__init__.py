"""Pages for sales documents, one module per kind of page, mirroring `invoicing.actions`:
the list, search and bulk actions (`lists`), the document form and live totals (`drafts`), one
document and what can be done to it — issue, void, convert, copy, PDFs (`documents`), recurring
invoices (`recurring`), number series, document and print settings (`company_settings`).

Thin: forms check shape, the actions in `invoicing.actions` do every write and name the field
they refuse; `totals.py` computes the live totals shown while typing. `urls.py` takes the views
by the names below.
"""

from __future__ import annotations

from xfinances.invoicing.views.company_settings import (
    document_settings_save,
    print_preview,
    print_settings,
    print_template,
    series_action,
    series_settings,
)
from xfinances.invoicing.views.documents import (
    annulment_protocol_pdf,
    document_convert,
    document_copy,
    document_delete,
    document_detail,
    document_issue,
    document_pdf,
    document_void,
    document_void_and_reissue,
)
from xfinances.invoicing.views.drafts import document_create, document_edit, totals_fragment
from xfinances.invoicing.views.lists import (
    bulk_issue,
    bulk_pdf,
    document_list,
    party_search,
    product_search,
)
from xfinances.invoicing.views.recurring import (
    recurring_action,
    recurring_create,
    recurring_detail,
    recurring_edit,
    recurring_list,
)

__all__ = [
    "annulment_protocol_pdf",
    "bulk_issue",
    "bulk_pdf",
    "document_convert",
    "document_copy",
    "document_create",
    "document_delete",
    "document_detail",
    "document_edit",
    "document_issue",
    "document_list",
    "document_pdf",
    "document_settings_save",
    "document_void",
    "document_void_and_reissue",
    "party_search",
    "print_preview",
    "print_settings",
    "print_template",
    "product_search",
    "recurring_action",
    "recurring_create",
    "recurring_detail",
    "recurring_edit",
    "recurring_list",
    "series_action",
    "series_settings",
    "totals_fragment",
]
