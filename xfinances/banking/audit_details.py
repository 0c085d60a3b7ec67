"""How a person reads the details banking's audit events record (`core.history` asks).

An apply_match event keeps the proposal's reasons as codes and its allocations as
`[kind, id, amount]`; the audit log and the histories write them in the reader's language:
"контрагент по IBAN …; сумата 1 200,00 е равна на дължимата" and "Фактура 0000000001:
1 200,00", not the codes."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from xfinances.banking.reason_text import describe
from xfinances.core import formatting, history
from xfinances.invoicing.models import Document
from xfinances.payments.models import Payment
from xfinances.purchases.models import SupplierInvoice

MODELS: dict[str, type[Document] | type[SupplierInvoice] | type[Payment]] = {
    "sales": Document,
    "purchase": SupplierInvoice,
    "payment_in": Payment,  # a payment's rest the entry returned (a refund)
    "payment_out": Payment,
}


def _named(found: Any, gone: str) -> str:
    """A document by its name, a payment's rest by the payment's day and amount."""
    if found is None:
        return gone
    if isinstance(found, Payment):
        return _("the rest of the payment of %(payment)s") % {"payment": found}
    return str(found)


def allocations(raw: Any) -> str:
    """`[["sales", 12, "1200.00"]]` → "Фактура 0000000012: 1 200,00" (one query per kind)."""
    items = []
    for item in raw if isinstance(raw, list) else []:
        try:
            kind, item_id, amount = item
            items.append((str(kind), int(item_id), formatting.amount(Decimal(str(amount)))))
        except (TypeError, ValueError, InvalidOperation):
            return history.value(None, raw)
    found = {
        kind: model.objects.in_bulk([i for k, i, _shown in items if k == kind])
        for kind, model in MODELS.items()
        if any(k == kind for k, _i, _shown in items)
    }
    gone = _("a document no longer there")
    return (
        ", ".join(
            f"{_named(found.get(kind, {}).get(item_id), gone)}: {shown}"
            for kind, item_id, shown in items
        )
        or "—"
    )


def register() -> None:
    history.register_detail("apply_match", "reasons", describe)
    history.register_detail("apply_match", "allocations", allocations)
