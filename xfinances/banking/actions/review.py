"""The review queue's decisions on a bank line's proposals: `accept` (and `accept_with_write_off`
for the few cents it leaves), `dismiss` and `undo`. A confirmation teaches the line's IBAN and
bank-side name for the party (`teach`, PartyAlias). Applying goes through the matching glue's
`reconcile.apply_proposal`, so a person's match and an automatic one are recorded the same way;
undo takes back exactly the allocations and write-offs the proposal made, never a person's."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xfinances.banking import matching
from xfinances.banking.actions.reconcile import alias_key, apply_proposal
from xfinances.banking.models import (
    AliasKind,
    BankEntry,
    MatchProposal,
    MatchState,
    PartyAlias,
    ProposalState,
)
from xfinances.core import audit, formatting
from xfinances.core.audit import Actor
from xfinances.core.exceptions import InvalidInput
from xfinances.core.models import Company
from xfinances.core.permissions import ensure_can
from xfinances.invoicing.models import Document
from xfinances.payments import actions as payments_actions
from xfinances.payments.models import Allocation, WriteOff
from xfinances.payments.queries import document_payment
from xfinances.purchases.models import SupplierInvoice


def teach(actor: Actor, entry: BankEntry, party_id: int | None) -> None:
    """Remember the entry's IBAN and bank-side name for the party (never overwrite another)."""
    if not party_id:
        return
    for kind, value in (
        (AliasKind.IBAN, entry.counterparty_iban),
        (AliasKind.NAME, entry.counterparty_name),
    ):
        key = alias_key(value) if value else ""
        if not key:
            continue
        alias, created = PartyAlias.objects.get_or_create(
            company_id=entry.company_id,
            value=key[:200],
            defaults={"kind": kind, "party_id": party_id, "created_by": actor.user},
        )
        if created:
            audit.record_create(actor, entry.company, "learn_alias", alias)


@transaction.atomic
def accept(actor: Actor, proposal: MatchProposal) -> MatchProposal:
    """A person confirms a proposal of the review queue: apply it and learn from it."""
    company = proposal.entry.company
    ensure_can(actor, company, "payments.change")
    proposal = MatchProposal.objects.select_for_update().get(pk=proposal.pk, company=company)
    entry = BankEntry.objects.select_for_update().get(pk=proposal.entry_id)
    if proposal.state != ProposalState.OPEN or entry.match_state not in (
        MatchState.REVIEW,
        MatchState.UNMATCHED,
    ):
        raise InvalidInput({"proposal": [_("This proposal was already decided.")]})
    apply_proposal(actor, entry, proposal, automatic=False)
    teach(actor, entry, proposal.party_id)
    return proposal


@transaction.atomic
def accept_with_write_off(actor: Actor, proposal: MatchProposal) -> MatchProposal:
    """A person confirms a proposal that leaves a few cents over and writes them off in one
    step: the allocations are applied, then
    - a shortfall: each sales document's or supplier invoice's remainder is written off
      (`payments.write_off`, `payments.write_off_supplier_invoice`);
    - an overpayment: the created payment's unallocated rest is written off
      (`payments.write_off_payment`), instead of staying the party's credit.
    Each write-off is within the company's tolerance in EUR (more refuses the whole step and
    nothing changes) and audited. `undo` takes back the write-offs, then the allocations."""
    company = proposal.entry.company
    ensure_can(actor, company, "payments.change")
    if proposal.shortfall <= 0 and proposal.overpayment <= 0:
        raise InvalidInput({"proposal": [_("This match leaves nothing to write off.")]})
    if any(kind not in ("sales", "purchase") for kind, _id, _amount in proposal.allocations):
        raise InvalidInput(
            {"proposal": [_("Only sales documents and supplier invoices can be written off.")]}
        )
    proposal = accept(actor, proposal)
    entry = BankEntry.objects.select_related("payment").get(pk=proposal.entry_id)
    made: list[WriteOff] = []
    if proposal.shortfall > 0:
        data = payments_actions.WriteOffInput(
            reason=_("Short payment written off (bank entry of %(date)s)")
            % {"date": formatting.date(entry.booking_date)}
        )
        made += _write_off_remainders(actor, company, proposal, data)
    if proposal.overpayment > 0 and entry.payment is not None:
        data = payments_actions.WriteOffInput(
            reason=_("Overpayment written off (bank entry of %(date)s)")
            % {"date": formatting.date(entry.booking_date)}
        )
        if entry.payment.unallocated > 0:
            made.append(payments_actions.write_off_payment(actor, entry.payment, data))
    if not made:
        raise InvalidInput({"proposal": [_("This match leaves nothing to write off.")]})
    proposal.write_off_ids = [item.pk for item in made]
    proposal.save(update_fields=["write_off_ids"])
    audit.record_event(
        actor,
        company,
        "write_off_match",
        proposal.entry,
        {"proposal": proposal.pk, "write_offs": proposal.write_off_ids},
    )
    return proposal


def _write_off_remainders(
    actor: Actor,
    company: Company,
    proposal: MatchProposal,
    data: payments_actions.WriteOffInput,
) -> list[WriteOff]:
    """The remainders the accepted proposal left on its documents and supplier invoices."""
    made = []
    sales = [int(i) for kind, i, _amount in proposal.allocations if kind == "sales"]
    for document in Document.objects.filter(company=company, pk__in=sales).order_by("pk"):
        if document_payment(document).remaining > 0:
            made.append(payments_actions.write_off(actor, document, reason=data.reason))
    purchases = [int(i) for kind, i, _amount in proposal.allocations if kind == "purchase"]
    for invoice in SupplierInvoice.objects.filter(company=company, pk__in=purchases).order_by("pk"):
        if invoice.remaining > 0:
            made.append(payments_actions.write_off_supplier_invoice(actor, invoice, data))
    return made


@transaction.atomic
def dismiss(actor: Actor, entry: BankEntry, *, reason: str = "") -> BankEntry:
    """Nothing to match: the entry leaves the review queue (its movement stays)."""
    ensure_can(actor, entry.company, "payments.change")
    entry = BankEntry.objects.select_for_update().get(pk=entry.pk, company=entry.company)
    if entry.match_state not in (MatchState.REVIEW, MatchState.UNMATCHED):
        raise InvalidInput({"entry": [_("This entry is already matched.")]})
    before = audit.snapshot(entry)
    MatchProposal.objects.filter(entry=entry, state=ProposalState.OPEN).update(
        state=ProposalState.DISMISSED, decided_by=actor.user, decided_at=timezone.now()
    )
    entry.match_state = MatchState.DISMISSED
    entry.save(update_fields=["match_state"])
    audit.record_update(actor, entry.company, "dismiss_entry", entry, before, reason)
    return entry


@transaction.atomic
def undo(actor: Actor, proposal: MatchProposal, *, reason: str) -> MatchProposal:
    """Take back an applied proposal: its write-offs, then exactly its allocations (or the
    refund link), are undone in one transaction (the payment stays, unallocated, as the
    party's credit) and the entry goes back to the review queue."""
    company = proposal.entry.company
    ensure_can(actor, company, "payments.change")
    proposal = MatchProposal.objects.select_for_update().get(pk=proposal.pk, company=company)
    if proposal.state != ProposalState.APPLIED:
        raise InvalidInput({"proposal": [_("Only an applied match can be undone.")]})
    reason = (reason or "").strip() or _("Match undone")
    # The write-offs first, in the reverse of the order accept made them: a payment's
    # written-off rest is given back before its allocations are, so the payment never counts
    # more than its amount as allocated; then exactly the proposal's allocations.
    for item in WriteOff.objects.filter(
        company=company, pk__in=proposal.write_off_ids, undone_at__isnull=True
    ).order_by("-pk"):
        payments_actions.undo_write_off(actor, item, reason=reason)
    for allocation in Allocation.objects.filter(
        company=company, pk__in=proposal.allocation_ids, undone_at__isnull=True
    ):
        payments_actions.undo_allocation(actor, allocation, reason=reason)
    refunded = {int(i) for kind, i, _a in proposal.allocations if kind in matching.REFUND_KINDS}
    payment = proposal.entry.payment
    if refunded and payment is not None and payment.refund_of_id in refunded:
        payments_actions.unlink_refund(actor, payment, reason=reason)
    proposal.state = ProposalState.UNDONE
    proposal.save(update_fields=["state"])
    entry = proposal.entry
    entry.match_state = MatchState.REVIEW
    entry.save(update_fields=["match_state"])
    audit.record_event(actor, company, "undo_match", entry, {"proposal": proposal.pk}, reason)
    return proposal
