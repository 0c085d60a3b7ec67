"""Supplier payment files: a payment batch of purchases becomes one pain.001 file for the bank.

`iban_flags` lists, before anything is made, each supplier whose IBAN the file would pay
differs from the one its last payment went to, or was added within `RECENT_DAYS` while the
supplier had another: a changed IBAN on an invoice is the commonest payment fraud, so such a
file is made only when an owner confirms (`confirm_iban_changes`), and the confirmation is
audited. `make_payment_file` writes the file (validated against the ISO schema by
`banking.pain001`), keeps it as made (downloading it again gives the same bytes) and marks the
batch sent through purchases. Each invoice gets its own end-to-end id, which the bank returns
with the outgoing payment; matching takes it as the invoice's reference, so the invoices settle
when the statement arrives.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from xfinances.banking import pain001
from xfinances.banking.models import PaymentFile, PaymentFileSchema
from xfinances.core import audit, inputs
from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict, InvalidInput, NotAllowed
from xfinances.core.inputs import ActionInput, reads
from xfinances.core.models import Company
from xfinances.core.permissions import ensure_can
from xfinances.invoicing.creditor_reference import is_valid_rf
from xfinances.parties.models import Party, PartyBankAccount
from xfinances.payments.models import Direction, Payment
from xfinances.purchases import actions as purchases_actions
from xfinances.purchases import queries as purchases_queries
from xfinances.purchases.models import (
    PaymentBatch,
    PaymentBatchItem,
    PaymentBatchStatus,
    PaymentStatus,
    SupplierInvoice,
)
from xfinances.treasury.models import AccountKind, MoneyAccount

RECENT_DAYS = 30


def batch_reference(batch: PaymentBatch) -> str:
    return pain001.batch_reference(batch.pk)


def end_to_end_id(batch: PaymentBatch, invoice_id: int) -> str:
    return pain001.end_to_end_id(batch_reference(batch), invoice_id)


@dataclass(frozen=True, kw_only=True)
class PaymentFileInput(ActionInput):
    """The account the money leaves (one of the company's bank accounts, an id or the record),
    the file's format, the day the bank should pay, and an owner's confirmation of changed
    supplier IBANs."""

    account: Any = reads(inputs.as_is, default=None)
    schema: str = reads(
        inputs.choice(PaymentFileSchema.values, _("Choose pain.001.001.09 or pain.001.001.03.")),
        default=PaymentFileSchema.V09,
    )
    execution_date: dt.date | None = reads(inputs.optional(inputs.date), default=None)
    confirm_iban_changes: bool = reads(inputs.flag, default=False)


@dataclass(frozen=True)
class IbanWarning:
    """A supplier of the batch whose IBAN needs an owner's look before it is paid."""

    supplier: str
    invoice: str
    iban: str
    previous: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {
            "supplier": self.supplier,
            "invoice": self.invoice,
            "iban": self.iban,
            "previous": self.previous,
            "reason": self.reason,
        }


def _compact(iban: str) -> str:
    return "".join((iban or "").split()).upper()


def iban_to_pay(invoice: SupplierInvoice) -> str:
    """The IBAN on the invoice, else the supplier's primary account."""
    return _compact(invoice.supplier_iban or invoice.supplier.primary_iban)


def _last_paid_iban(company: Company, supplier: Party) -> str:
    """Where the supplier's last payment went: its bank movement's counterparty, else the IBAN
    of its last paid invoice."""
    paid = (
        Payment.objects.filter(company=company, direction=Direction.OUT, party=supplier)
        .exclude(movement__counterparty_iban="")
        .exclude(movement__isnull=True)
        .order_by("-date", "-id")
        .values_list("movement__counterparty_iban", flat=True)
        .first()
    )
    if paid:
        return _compact(paid)
    invoice_iban = (
        SupplierInvoice.objects.filter(
            company=company, supplier=supplier, payment_status=PaymentStatus.PAID
        )
        .exclude(supplier_iban="")
        .order_by("-issue_date", "-id")
        .values_list("supplier_iban", flat=True)
        .first()
    )
    return _compact(invoice_iban or "")


def _history(supplier: Party, current: str, today: dt.date) -> list[pain001.IbanRecord]:
    """The supplier's IBANs by the day they were added (unknown: long ago), the one to pay
    last; an IBAN only on the invoice counts as added today."""
    long_ago = dt.date(1900, 1, 1)
    known = {
        _compact(a.iban): (timezone.localdate(a.added_at) if a.added_at else long_ago)
        for a in PartyBankAccount.objects.filter(company_id=supplier.company_id, party=supplier)
    }
    others = [pain001.IbanRecord(i, day) for i, day in known.items() if i != current]
    since = known.get(current, today)
    # The IBAN to pay is the latest record even when another was added later.
    others = [pain001.IbanRecord(r.iban, min(r.since, since)) for r in others]
    return [*others, pain001.IbanRecord(current, since)]


def iban_flags(
    company: Company, batch: PaymentBatch, *, today: dt.date | None = None
) -> list[IbanWarning]:
    """The batch's suppliers whose IBAN changed recently or differs from the one last paid."""
    today = today or timezone.localdate()
    warnings: list[IbanWarning] = []
    seen: set[tuple[int, str]] = set()
    for item in _items(company, batch):
        invoice = item.invoice
        supplier = invoice.supplier
        current = iban_to_pay(invoice)
        if not current or (supplier.pk, current) in seen:
            continue
        seen.add((supplier.pk, current))
        flag = pain001.iban_changed(
            _history(supplier, current, today),
            _last_paid_iban(company, supplier),
            today=today,
            recent_days=RECENT_DAYS,
        )
        if flag is not None:
            warnings.append(
                IbanWarning(
                    supplier=supplier.name,
                    invoice=invoice.supplier_number,
                    iban=flag.iban,
                    previous=flag.previous,
                    reason=flag.reason,
                )
            )
    return warnings


def _items(company: Company, batch: PaymentBatch) -> list[PaymentBatchItem]:
    return list(purchases_queries.payment_batch_items(company, batch))


def _account(company: Company, value: Any) -> MoneyAccount:
    """The company's bank account with an IBAN that the money leaves."""
    accounts = MoneyAccount.objects.filter(company=company, kind=AccountKind.BANK).exclude(iban="")
    if value is None or value == "":
        found = accounts.filter(currency="EUR").order_by("pk").first()
    elif isinstance(value, MoneyAccount):
        found = accounts.filter(pk=value.pk).first()
    else:
        try:
            found = accounts.filter(pk=int(str(value))).first()
        except ValueError:
            found = None
    if found is None:
        raise InvalidInput({"account": [_("Choose one of the company's bank accounts.")]})
    return found


def _address(party: Party | Company) -> pain001.PostalAddress | None:
    if not party.city:
        return None
    street = (party.address or "").strip()
    return pain001.PostalAddress(
        country=(party.country or "BG").upper(),
        town=party.city,
        postcode=party.postcode or "",
        lines=(street[:70],) if street else (),
    )


def _transfer(batch: PaymentBatch, item: PaymentBatchItem) -> pain001.Transfer:
    invoice = item.invoice
    supplier = invoice.supplier
    reference = (invoice.payment_reference or "").replace(" ", "").upper()
    structured = reference if is_valid_rf(reference) else ""
    return pain001.Transfer(
        creditor_name=supplier.name_latin or supplier.name,
        creditor_iban=iban_to_pay(invoice),
        amount=item.amount,
        end_to_end_id=end_to_end_id(batch, invoice.pk),
        creditor_address=_address(supplier),
        currency=item.currency,
        reference=structured,
        invoice_number="" if structured else invoice.supplier_number,
    )


def _refuse_unconfirmed(
    actor: Actor, company: Company, warnings: list[IbanWarning], confirmed: bool
) -> None:
    if not warnings:
        return
    if not confirmed:
        lines = [
            _("%(supplier)s (%(invoice)s): %(reason)s")
            % {"supplier": w.supplier, "invoice": w.invoice, "reason": w.reason}
            for w in warnings
        ]
        raise InvalidInput(
            {
                "confirm_iban_changes": [
                    _("An owner must confirm the changed IBANs before the file is made."),
                    *lines,
                ]
            }
        )
    try:
        ensure_can(actor, company, "purchases.confirm_iban")
    except NotAllowed:
        raise NotAllowed(_("Only an owner can confirm a supplier's changed IBAN.")) from None


@transaction.atomic
def make_payment_file(
    actor: Actor, company: Company, batch: PaymentBatch, data: PaymentFileInput
) -> PaymentFile:
    """The batch's pain.001 file, kept; the batch becomes sent to the bank. Refused, with
    nothing made, when an invoice has nothing to pay, a supplier has no usable IBAN or address,
    or a changed IBAN is not confirmed by an owner."""
    ensure_can(actor, company, "purchases.pay")
    batch = PaymentBatch.objects.select_for_update().get(company=company, pk=batch.pk)
    if batch.status == PaymentBatchStatus.CANCELLED:
        raise Conflict(_("The payment batch is cancelled."))
    account = _account(company, data.account)
    items = _items(company, batch)
    if not items:
        raise InvalidInput({"batch": [_("The payment batch has no invoices.")]})
    today = timezone.localdate()
    execution = data.execution_date or today
    if execution < today:
        raise InvalidInput({"execution_date": [_("The bank cannot pay on a day that is past.")]})
    warnings = iban_flags(company, batch, today=today)
    _refuse_unconfirmed(actor, company, warnings, data.confirm_iban_changes)
    made_at = timezone.now()
    count = PaymentFile.objects.filter(company=company, batch=batch).count()
    message_id = f"XF-{batch_reference(batch)}-{count + 1}-{made_at:%Y%m%d%H%M%S}"[:35]
    payment_file = pain001.PaymentFile(
        message_id=message_id,
        created_at=made_at.replace(microsecond=0),
        execution_date=execution,
        debtor=pain001.Debtor(name=company.name, iban=account.iban, address=_address(company)),
        transfers=tuple(_transfer(batch, item) for item in items),
    )
    try:
        content = pain001.write(payment_file, data.schema)
    except pain001.PaymentFileError as error:
        raise InvalidInput(_named(error.errors, items)) from None
    stored = PaymentFile.objects.create(
        company=company,
        batch=batch,
        account=account,
        schema=data.schema,
        reference=batch_reference(batch),
        message_id=message_id,
        execution_date=execution,
        transfers=len(items),
        total=sum((i.amount for i in items), Decimal(0)),
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        iban_flags=[w.as_dict() for w in warnings],
        confirmed_by=actor.user if warnings else None,
        created_by=actor.user,
    )
    audit.record_create(actor, company, "make_payment_file", stored)
    if warnings:
        audit.record_event(
            actor,
            company,
            "confirm_iban_change",
            stored,
            {w.supplier: f"{w.previous} → {w.iban}" for w in warnings},
        )
    purchases_actions.mark_batch_sent(actor, batch)
    return stored


def _named(
    errors: dict[str, list[str]], items: list[PaymentBatchItem]
) -> dict[str, list[str | Promise]]:
    """The writer's fields ("transfers[2].creditor_iban") with the invoice they are about."""
    named: dict[str, list[str | Promise]] = {}
    for field, messages in errors.items():
        label = field
        if field.startswith("transfers["):
            index = int(field[len("transfers[") : field.index("]")])
            if 0 <= index < len(items):
                invoice = items[index].invoice
                label = f"{invoice.supplier.name} ({invoice.supplier_number})"
        elif field.startswith("debtor"):
            label = "account"
        named.setdefault(label, []).extend(messages)
    return named
