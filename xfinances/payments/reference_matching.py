"""Which open document a payment's reference or note names: its RF creditor reference or its
number. THE rule shared by recording a payment and (later) bank matching: a payment is
allocated automatically only when exactly one open document of the payment's currency (and
client, when the payment has one) fits.

The text part is pure (`references_in`); `document_for_reference` asks the database."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Q

from xfinances.core.models import Company
from xfinances.invoicing.creditor_reference import find_rf_references
from xfinances.invoicing.models import Document, DocumentKind, DocumentStatus
from xfinances.parties.models import Party

# A 10-digit document number standing alone, or a shorter one right after a word that says
# "invoice number" ("ф-ра 123", "фактура № 0000000123", "inv. 45", "№ 77").
_FULL_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{10})(?![0-9])")
_NAMED_NUMBER = re.compile(
    r"(?:№|#|\bno\.?|\bnr\.?|\bф(?:актура|-ра|ра)\.?|\binvoice|\binv\.?)\s*№?\s*(\d{1,10})(?!\d)",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class References:
    rf: tuple[str, ...]
    numbers: tuple[str, ...]  # zero-padded to the 10 digits of a document number

    def __bool__(self) -> bool:
        return bool(self.rf or self.numbers)


def references_in(*texts: str) -> References:
    """The RF references (compact, valid) and document numbers written in `texts`."""
    rf: list[str] = []
    numbers: list[str] = []
    for text in texts:
        for found in find_rf_references(text or ""):
            if found not in rf:
                rf.append(found)
        for pattern in (_FULL_NUMBER, _NAMED_NUMBER):
            for match in pattern.finditer(text or ""):
                number = match.group(1).zfill(10)
                if int(number) and number not in numbers:
                    numbers.append(number)
    return References(tuple(rf), tuple(numbers))


def document_for_reference(
    company: Company, references: References, *, currency: str, party: Party | None
) -> Document | None:
    """The one issued invoice or debit note with something outstanding, in `currency` (and of
    `party` when given), whose RF reference or number `references` names; None when none or
    several fit."""
    if not references:
        return None
    named = Q(rf_reference__in=references.rf) | Q(number__in=references.numbers)
    found = Document.objects.filter(
        named,
        company=company,
        status=DocumentStatus.ISSUED,
        kind__in=[DocumentKind.INVOICE, DocumentKind.DEBIT_NOTE],
        currency=currency,
        outstanding_amount__gt=0,
    )
    if party is not None:
        found = found.filter(party=party)
    candidates = list(found.order_by("pk")[:2])
    return candidates[0] if len(candidates) == 1 else None
