"""A person matches a bank line by hand: another party or other documents than the engine
proposed, or the line split over several documents with amounts of the person's choosing.

The choice is stored as a proposal of its own (reason `by_hand`) and applied as an accepted one
(`reconcile.apply_proposal`: the payment on the line's movement, the allocations), so undo
takes back exactly what it made; the line's IBAN and bank-side name are learned for the party.
What is not allocated stays on the payment as the party's credit (an advance, an
overpayment)."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction
from django.db.models import Max
from django.utils.translation import gettext as _

from xfinances.banking.actions.reconcile import apply_proposal
from xfinances.banking.actions.review import teach
from xfinances.banking.models import BankEntry, MatchProposal, MatchState, ProposalState
from xfinances.core import formatting
from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.permissions import ensure_can
from xfinances.invoicing.models import Document
from xfinances.parties.models import Party
from xfinances.purchases.models import SupplierInvoice

_OPEN = (MatchState.REVIEW, MatchState.UNMATCHED, MatchState.DISMISSED)


@transaction.atomic
def match_by_hand(
    actor: Actor,
    entry: BankEntry,
    party: Party,
    allocations: Sequence[tuple[int, Decimal]],
) -> MatchProposal:
    """Settle `entry` as a payment of `party`, allocated to the documents given as (id, amount):
    the party's sales documents for money in, its supplier invoices for money out. Refused,
    changing nothing: a line already settled, a party or document of another company or
    party, another currency, an amount not above zero, more than a document has open, or more
    in all than the line brought."""
    company = entry.company
    ensure_can(actor, company, "payments.change")
    entry = BankEntry.objects.select_for_update().get(pk=entry.pk, company=company)
    entry.company = company
    if entry.match_state not in _OPEN:
        raise Conflict(_("This bank line is already settled: undo its match first."), field="entry")
    if party.company_id != company.pk:
        raise InvalidInput({"party": [_("No such client or supplier in this company.")]})
    incoming = entry.amount > 0
    kind = "sales" if incoming else "purchase"
    errors = InvalidInput.collect()
    wanted = [(int(i), Decimal(a)) for i, a in allocations]
    ids = [i for i, _a in wanted]
    if len(set(ids)) != len(ids):
        errors.add("allocations", _("Each document once."))
    targets: dict[int, Document | SupplierInvoice] = {
        d.pk: d
        for d in (
            Document.objects.filter(company=company, pk__in=ids)
            if incoming
            else SupplierInvoice.objects.filter(company=company, pk__in=ids)
        )
    }
    total = Decimal(0)
    for item_id, amount in wanted:
        target = targets.get(item_id)
        party_id = getattr(target, "party_id", None) or getattr(target, "supplier_id", None)
        if target is None or party_id != party.pk:
            errors.add("allocations", _("A document of another client or supplier, or none."))
            continue
        if target.currency != entry.currency:
            errors.add(
                "allocations",
                _("%(document)s is in %(currency)s, the bank line in %(line)s.")
                % {"document": target, "currency": target.currency, "line": entry.currency},
            )
        if amount <= 0:
            errors.add("allocations", _("The amount must be greater than zero."))
        total += amount
    if total > abs(entry.amount):
        errors.add(
            "allocations",
            _("%(total)s allocated, but the bank line brought %(amount)s.")
            % {
                "total": formatting.money(total, entry.currency),
                "amount": formatting.money(abs(entry.amount), entry.currency),
            },
        )
    errors.raise_if_any()
    rank = (MatchProposal.objects.filter(entry=entry).aggregate(Max("rank"))["rank__max"] or 0) + 1
    proposal = MatchProposal.objects.create(
        company=company,
        entry=entry,
        rank=rank,
        party=party,
        allocations=[[kind, item_id, str(amount)] for item_id, amount in wanted],
        score=100,
        reasons=[["by_hand", {}]],
        automatic=False,
        overpayment=abs(entry.amount) - total,
        state=ProposalState.OPEN,
    )
    if entry.maybe_typed:  # matched as a payment of its own: not the typed one
        entry.maybe_typed = False
        entry.save(update_fields=["maybe_typed"])
    apply_proposal(actor, entry, proposal, automatic=False)
    teach(actor, entry, party.pk)
    return proposal
