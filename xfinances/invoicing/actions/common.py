"""Settings, result types and field lists shared by the actions on sales documents."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings

from xfinances.catalog.models import Product, VatTreatment

# The header and line fields are declared once, in `invoicing/inputs.py`.
from xfinances.invoicing.inputs import HEADER_FIELDS as HEADER_FIELDS
from xfinances.invoicing.inputs import LINE_FIELDS as LINE_FIELDS
from xfinances.invoicing.models import (
    Document,
    DocumentLine,
)

EURO_DAY = dt.date(2026, 1, 1)  # documents dated earlier are in BGN (ЗВЕРБ)
INTRA_EU_GOODS_COLUMN = "02-15"
EU_VAT_COLUMNS = frozenset({"02-15", "02-17"})


def tax_event_max_days_after_issue() -> int:
    """How many days the tax event may follow the issue date (default 0: never in the future)."""
    return int(getattr(settings, "INVOICING_TAX_EVENT_MAX_DAYS_AFTER_ISSUE", 0))


def annulment_protocol_after_days() -> int:
    """A voided document older than this many days may be in the client's books already."""
    return int(getattr(settings, "INVOICING_ANNULMENT_PROTOCOL_AFTER_DAYS", 5))


def render_pdf_on_commit() -> bool:
    return bool(getattr(settings, "INVOICING_RENDER_PDF", True))


@dataclass
class DocumentResult:
    """What a document action returns: the document, and warnings that did not block it."""

    document: Document
    warnings: list[str] = field(default_factory=list)
    annulment_protocol: dict[str, Any] | None = None


@dataclass(frozen=True)
class CleanLine:
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    discount_percent: Decimal
    vat_treatment: VatTreatment
    product: Product | None = None
    corrected_line: DocumentLine | None = None
    advance_document: Document | None = None
