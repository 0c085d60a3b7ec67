"""`xfinances write-off`: write off a small difference, or undo a write-off, from the command
line, with the same checks, permissions and audit records as the UI and the API.

    xfinances write-off --company EIK --document 0000000123 --reason "Bank fee" [--amount 0.40]
    xfinances write-off --company EIK --supplier-invoice 17 --reason "Rounding"
    xfinances write-off --company EIK --payment 42 --reason "Overpaid by 0.30"
    xfinances write-off --company EIK --undo 5 --reason "Paid after all"

`--document` takes the document's number (leading zeros may be left out); the supplier
invoice, payment and write-off are given by their ids (as the API and the pages show them).
Without `--amount` all that is left is written off; without `--date`, today. `--user E-MAIL`
acts with that member's role; `--json` prints the write-off as one JSON object. A refusal
changes nothing and exits non-zero with the reason.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db.models import Model

from xfinances.core.command_context import (
    action_error,
    add_company_arguments,
    company_and_actor,
)
from xfinances.core.exceptions import ActionError
from xfinances.core.models import Company
from xfinances.invoicing.models import Document
from xfinances.payments import actions
from xfinances.payments.actions.common import CLAIM_KINDS
from xfinances.payments.models import Payment, WriteOff
from xfinances.purchases.models import SupplierInvoice


class Command(BaseCommand):
    help = "Write off a small remainder or overpayment (or undo a write-off), with a reason."

    def add_arguments(self, parser: Any) -> None:
        add_company_arguments(parser)
        what = parser.add_mutually_exclusive_group(required=True)
        what.add_argument("--document", help="an invoice's or debit note's number")
        what.add_argument("--supplier-invoice", type=int, help="a supplier invoice's id")
        what.add_argument("--payment", type=int, help="a payment's id (its unallocated rest)")
        what.add_argument("--undo", type=int, help="undo the write-off with this id")
        parser.add_argument("--reason", required=True, help="why (kept in the audit trail)")
        parser.add_argument("--amount", default=None, help="default: all that is left")
        parser.add_argument("--date", default=None, help="YYYY-MM-DD; default: today")
        parser.add_argument("--json", action="store_true", help="print the write-off as JSON")

    def handle(self, *args: Any, **options: Any) -> None:
        company, actor = company_and_actor(options)
        data = {"reason": options["reason"], "amount": options["amount"], "date": options["date"]}
        try:
            if options["undo"] is not None:
                item = _one(company, WriteOff, options["undo"], "write-off")
                done = actions.undo_write_off(actor, item, reason=options["reason"])
            elif options["document"] is not None:
                document = _document(company, options["document"])
                done = actions.write_off(actor, document, **data)
            elif options["supplier_invoice"] is not None:
                invoice = _one(
                    company, SupplierInvoice, options["supplier_invoice"], "supplier invoice"
                )
                done = actions.write_off_supplier_invoice(
                    actor, invoice, actions.WriteOffInput.read(data)
                )
            else:
                payment = _one(company, Payment, options["payment"], "payment")
                done = actions.write_off_payment(actor, payment, actions.WriteOffInput.read(data))
        except ActionError as error:
            raise action_error(error, named=True) from None
        out = {
            "id": done.pk,
            "document_id": done.document_id,
            "payment_id": done.payment_id,
            "supplier_invoice_id": done.supplier_invoice_id,
            "date": done.date.isoformat(),
            "amount": str(done.amount),
            "reason": done.reason,
            "undone": done.undone_at is not None,
        }
        if options["json"]:
            self.stdout.write(json.dumps(out, ensure_ascii=False))
            return
        verb = "Undone" if out["undone"] else "Written off"
        self.stdout.write(
            self.style.SUCCESS(f"{verb}: write-off {done.pk}, {done.amount} on {out['date']}")
        )


def _one(company: Company, model: type[Model], pk: int, name: str) -> Any:
    found = model._default_manager.filter(company=company, pk=pk).first()
    if found is None:
        raise CommandError(f"No {name} {pk} in {company.name}.")
    return found


def _document(company: Company, number: str) -> Document:
    digits = str(number).strip()
    if not digits.isdigit() or len(digits) > 10:
        raise CommandError(f"A document number is up to 10 digits, not {number!r}.")
    found = list(
        Document.objects.filter(company=company, number=digits.zfill(10), kind__in=CLAIM_KINDS)[:2]
    )
    if not found:
        raise CommandError(f"No invoice or debit note {digits.zfill(10)} in {company.name}.")
    if len(found) > 1:
        raise CommandError(f"Several documents have the number {digits.zfill(10)}.")
    return found[0]
