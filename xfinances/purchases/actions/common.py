"""Constants and small helpers shared by the purchases actions."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_noop

from xfinances.purchases.models import (
    SupplierInvoice,
)

# Translated when a company is seeded; purchases/migrations/0002 freezes the Bulgarian names.
DEFAULT_CATEGORIES = (
    gettext_noop("Materials"),
    gettext_noop("Goods for resale"),
    gettext_noop("Services"),
    gettext_noop("Rent"),
    gettext_noop("Utilities"),
    gettext_noop("Fuel"),
    gettext_noop("Fixed assets"),
    gettext_noop("Telecommunications"),
    gettext_noop("Other"),
)
ATTACHMENT_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", "application/pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"II*\x00", "image/tiff"),
    (b"MM\x00*", "image/tiff"),
    (b"<?xml", "application/xml"),
    (b"\xef\xbb\xbf<?xml", "application/xml"),
)


def attachment_max_bytes() -> int:
    return int(getattr(settings, "PURCHASES_ATTACHMENT_MAX_MB", 20)) * 1024 * 1024


def invoice_url(invoice: SupplierInvoice) -> str:
    return reverse("purchases:detail", args=[invoice.company.eik, invoice.pk])
