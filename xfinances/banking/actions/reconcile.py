"""Matching glue: bank entries → proposals of the pure engine → payments and allocations.

`match_entries` builds the open items (sales documents for money in, supplier invoices for
money out) once per currency, asks `banking.matching.propose` for each unmatched entry, takes
a unique high-confidence proposal's documents out of the run's pool at once and applies it in
a batch of such matches (a payment on the entry's movement and its allocations, through
`payments.actions.record_matched_payments`, in the caller's transaction), and queues the rest
for a person. `apply_proposal` records one proposal (the review queue's `review.accept` and
`by_hand.match_by_hand` use it too); every application is audited with its score and reason.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from xfinances.banking import matching, queries
from xfinances.banking.actions import own_transfers
from xfinances.banking.actions import rules as bank_rules
from xfinances.banking.matching import reasons
from xfinances.banking.models import (
    BankEntry,
    MatchProposal,
    MatchState,
    ProposalState,
)
from xfinances.core import audit
from xfinances.core.audit import Actor
from xfinances.core.bulk_insert import insert_rows
from xfinances.core.bulk_update import update_rows
from xfinances.core.lookups import AnyOf
from xfinances.core.models import Company
from xfinances.core.permissions import ensure_can
from xfinances.invoicing.models import Document
from xfinances.parties.models import Party
from xfinances.payments import actions as payments_actions
from xfinances.payments.models import Allocation, Direction, Payment
from xfinances.payments.queries import settings_of
from xfinances.purchases.models import SupplierInvoice
from xfinances.treasury.models import Movement

KEEP_PROPOSALS = 5
_LEGAL = re.compile(r"\b(ЕООД|ООД|ЕАД|АД|ЕТ|EOOD|OOD|EAD|AD|ET|LTD)\b", re.IGNORECASE)


@dataclass
class MatchResult:
    matched: int = 0
    review: int = 0
    unmatched: int = 0
    ruled: int = 0  # filed under a category by a bank rule (fees, taxes …)
    own_transfers: int = 0  # money between the company's own accounts


def alias_key(value: str) -> str:
    """The key an alias is stored under: the engine's (a compact IBAN or a name skeleton)."""
    return matching.alias_key(value or "")


def _tolerance(company: Company) -> Decimal:
    return Decimal(settings_of(company).write_off_tolerance_eur)


def open_items(company: Company, currency: str) -> list[Any]:
    """The engine's OpenItems of the company in `currency`: sales documents and supplier
    invoices with something left to pay, and payments' unallocated rests (money the other way
    may return them)."""
    sales = queries.open_sales_documents(company, currency)
    purchases = queries.open_supplier_invoices(company, currency)
    rests = queries.payment_rests(company, currency)
    parties = queries.party_identifiers(
        company,
        [r.party_id for r in sales if r.party_id]
        + [r["supplier_id"] for r in purchases if r["supplier_id"]]
        + [r[2] for r in rests],
    )
    items = []
    for row in sales:
        party = parties.get(row.party_id or 0, {"name": "", "ids": []})
        items.append(
            matching.OpenItem(
                kind="sales",
                id=row.id,
                number=row.number or "",
                party_id=row.party_id,
                party_name=party["name"],
                party_identifiers=tuple(party["ids"]),
                reference=row.rf_reference or "",
                open_amount=row.open_amount,
                currency=row.currency,
                issue_date=row.issue_date,
                due_date=row.due_date,
            )
        )
    for invoice in purchases:
        party = parties.get(invoice["supplier_id"] or 0, {"name": "", "ids": []})
        items.append(
            matching.OpenItem(
                kind="purchase",
                id=invoice["id"],
                number=invoice["supplier_number"] or "",
                party_id=invoice["supplier_id"],
                party_name=party["name"],
                party_identifiers=tuple(party["ids"]),
                reference=invoice["reference"],  # our payment file's end-to-end id
                open_amount=invoice["remaining"],
                currency=invoice["currency"],
                issue_date=invoice["issue_date"],
                due_date=invoice["due_date"],
            )
        )
    for payment_id, direction, party_id, left, day in rests:
        party = parties.get(party_id, {"name": "", "ids": []})
        items.append(
            matching.OpenItem(
                kind=matching.PAYMENT_IN if direction == Direction.IN else matching.PAYMENT_OUT,
                id=payment_id,
                number="",
                party_id=party_id,
                party_name=party["name"],
                party_identifiers=tuple(party["ids"]),
                reference="",
                open_amount=left,
                currency=currency,
                issue_date=day,
                due_date=None,
            )
        )
    return items


def incoming_of(entry: BankEntry) -> matching.Incoming:
    return bank_rules.incoming_of_entry(entry)


class _Pool:
    """The open items of one currency, kept current as proposals are applied."""

    def __init__(self, items: list[Any]) -> None:
        self.items = {(i.kind, i.id): i for i in items}
        self.index: Any = matching.MatchIndex.build(items)

    def candidates(self) -> Any:
        return self.index if self.index is not None else list(self.items.values())

    def take(self, allocations: Iterable[Sequence[Any]]) -> None:
        for kind, item_id, amount in allocations:
            item = self.items.get((kind, int(item_id)))
            if item is None:
                continue
            left = item.open_amount - Decimal(str(amount))
            if left > 0:
                item = replace(item, open_amount=left)
                self.items[(kind, int(item_id))] = item
                if self.index is not None:
                    self.index.add(item)  # replaces the earlier version of the item
            else:
                del self.items[(kind, int(item_id))]
                if self.index is not None:
                    self.index.settle(kind, int(item_id))


def _store(entry: BankEntry, proposals: Sequence[Any], *, first_state: str) -> list[MatchProposal]:
    return MatchProposal.objects.bulk_create(
        [
            MatchProposal(**values)
            for values in _proposal_values(
                entry.company_id, entry.pk, proposals, first_state=first_state
            )
        ]
    )


def _proposal_values(
    company_id: int, entry_id: int, proposals: Sequence[Any], *, first_state: str
) -> list[dict[str, Any]]:
    """The MatchProposal rows of an entry's proposals (attribute → value), best first."""
    return [
        {
            "company_id": company_id,
            "entry_id": entry_id,
            "rank": rank,
            "party_id": proposal.party_id,
            "allocations": [[k, int(i), str(a)] for k, i, a in proposal.allocations],
            "score": int(proposal.score),
            "reasons": reasons.to_json(proposal.reasons),
            "automatic": bool(proposal.automatic),
            "overpayment": proposal.overpayment,
            "shortfall": proposal.shortfall,
            "state": first_state if rank == 1 else ProposalState.OPEN,
        }
        for rank, proposal in enumerate(proposals[:KEEP_PROPOSALS], 1)
    ]


def _payments_on_movements(company: Company, found: Any) -> dict[int, set[int]]:
    """The payments recorded on the movements of the entries to match, by movement: read
    once per run (one query per entry was most of the matching time of a large import)."""
    on: dict[int, set[int]] = defaultdict(set)
    rows = Payment.objects.filter(
        company=company, movement_id__in=found.values("movement_id")
    ).values_list("movement_id", "pk")
    for movement_id, payment_id in rows:
        on[movement_id].add(payment_id)
    return on


def _has_manual_payment(row: Any, payments_on: dict[int, set[int]]) -> bool:
    """A person already recorded a payment on this movement: matching leaves it alone."""
    if row.movement_id is None:
        return False
    return bool(payments_on.get(row.movement_id, set()) - {row.payment_id})


def _party(company: Company, party_id: int | None, parties: dict[int, Party | None]) -> Any:
    """The proposal's party, read once per run (`parties` caches it)."""
    if not party_id:
        return None
    if party_id not in parties:
        parties[party_id] = Party.objects.filter(company=company, pk=party_id).first()
    return parties[party_id]


def apply_proposal(
    actor: Actor,
    entry: BankEntry,
    proposal: MatchProposal,
    *,
    automatic: bool,
    parties: dict[int, Party | None] | None = None,
) -> None:
    """The payment of the entry (made once, on its movement) and the proposal's allocations.
    `parties`: the run's parties read so far (a matching run applies thousands)."""
    company = entry.company
    party = _party(company, proposal.party_id, {} if parties is None else parties)
    payment = entry.payment
    if payment is None:
        payment = payments_actions.record_payment(
            actor,
            company,
            payments_actions.PaymentInput(
                direction=Direction.IN if entry.amount > 0 else Direction.OUT,
                date=entry.booking_date,
                amount=abs(entry.amount),
                currency=entry.currency,
                party=party,
                movement=entry.movement,
                bank_reference=entry.bank_id,
                note=entry.text[:500],
                # The proposal's allocations are the match; payments' own guess from the
                # note would allocate the same document first and leave nothing for them.
                match_reference=False,
            ),
        )
    sales = [(k, i, a) for k, i, a in proposal.allocations if k == "sales"]
    purchases = [(k, i, a) for k, i, a in proposal.allocations if k == "purchase"]
    made: list[Allocation] = []
    if sales:
        documents = {
            d.pk: d
            for d in Document.objects.filter(company=company, pk__in=[i for _, i, _ in sales])
        }
        made += payments_actions.allocate(
            actor, payment, [(documents[int(i)], Decimal(a)) for _, i, a in sales]
        )
    if purchases:
        invoices = {
            s.pk: s
            for s in SupplierInvoice.objects.filter(
                company=company, pk__in=[i for _, i, _ in purchases]
            )
        }
        made += payments_actions.allocate_supplier_invoices(
            actor, payment, [(invoices[int(i)], Decimal(a)) for _, i, a in purchases]
        )
    for kind, item_id, _amount in proposal.allocations:
        if kind in matching.REFUND_KINDS:  # the money returns a payment's rest
            returned = Payment.objects.get(company=company, pk=int(item_id))
            payment = payments_actions.link_refund(actor, payment, returned)
    proposal.allocation_ids = [a.pk for a in made]
    proposal.state = ProposalState.APPLIED
    proposal.decided_by = actor.user
    proposal.decided_at = timezone.now()
    proposal.save(update_fields=["allocation_ids", "state", "decided_by", "decided_at"])
    entry.payment = payment
    entry.party = party
    entry.match_state = MatchState.AUTO if automatic else MatchState.CONFIRMED
    entry.save(update_fields=["payment", "party", "match_state"])
    MatchProposal.objects.filter(entry=entry, state=ProposalState.OPEN).exclude(
        pk=proposal.pk
    ).update(state=ProposalState.SUPERSEDED)
    audit.record_event(
        actor,
        company,
        "apply_match",
        entry,
        {
            "proposal": proposal.pk,
            "score": proposal.score,
            "reasons": proposal.reasons,
            "automatic": automatic,
            "allocations": proposal.allocations,
        },
    )


#: Automatic matches applied together (`payments.actions.record_matched_payments`).
APPLY_BATCH = 1000


@transaction.atomic
def match_entries(
    actor: Actor,
    company: Company,
    entry_ids: Iterable[int] | None = None,
    *,
    batch: int = APPLY_BATCH,
) -> MatchResult:
    """Propose and apply matches for unmatched entries (all of the company's, or `entry_ids`).

    Every entry is proposed in booking order against the open items as the automatic matches
    before it left them (the run's pool is updated in memory at once); the automatic matches
    are written `batch` at a time through payments' bulk action, so the matches and the review
    queue are the same as applying each at once. `batch=0` applies each match on its own
    through `record_payment` and `allocate` (the reference the bulk path is tested against)."""
    ensure_can(actor, company, "payments.change")
    result = MatchResult()
    if entry_ids is None:  # a whole run also frees lines whose typed movement went unnoticed
        waiting = BankEntry.objects.filter(
            company=company, maybe_typed=True, match_state=MatchState.REVIEW
        )
        release_typed_lines(actor, company, stale_typed_lines(company, list(waiting)))
    found = BankEntry.objects.filter(company=company, match_state=MatchState.UNMATCHED)
    if entry_ids is not None:
        # One array parameter, not one placeholder per id: an import passes 100,000 of them.
        found = found.filter(AnyOf(F("pk"), list(entry_ids)))
    found = found.order_by("booking_date", "id")
    aliases = queries.aliases(company)
    tolerance = _tolerance(company)
    own_ibans = set(queries.bank_accounts(company).values_list("iban", flat=True))
    rules = bank_rules.company_rules(company)
    pools: dict[str, _Pool] = {}
    with matching.long_run():
        context = _Context(
            company,
            aliases,
            tolerance,
            own_ibans,
            rules,
            pools,
            _payments_on_movements(company, found),
            batch=batch,
        )
        _match_each(actor, found, context, result)
        _apply_pending(actor, context)
        _store_review(context)
    return result


def stale_typed_lines(company: Company, lines: list[BankEntry]) -> list[int]:
    """Those of the flagged `lines` that no free typed movement may be any longer."""
    if not lines:
        return []
    still = queries.typed_candidates(company, lines)
    return [line.pk for line in lines if not still.get(line.pk)]


def release_typed_lines(actor: Actor, company: Company, ids: list[int]) -> None:
    """The lines stop waiting for the question about money typed in by hand: their open
    proposals are superseded and they are unmatched, for the next matching to take."""
    if not ids:
        return
    MatchProposal.objects.filter(entry_id__in=ids, state=ProposalState.OPEN).update(
        state=ProposalState.SUPERSEDED, decided_by=actor.user, decided_at=timezone.now()
    )
    BankEntry.objects.filter(company=company, pk__in=ids).update(
        maybe_typed=False, match_state=MatchState.UNMATCHED
    )


@dataclass
class _Context:
    """What one matching run knows of the company."""

    company: Company
    aliases: Any
    tolerance: Decimal
    own_ibans: set[str]
    rules: list[matching.Rule]
    pools: dict[str, _Pool]
    payments_on: dict[int, set[int]]  # movement → payments already on it
    parties: dict[int, Party | None] = field(default_factory=dict)  # read once per run
    batch: int = APPLY_BATCH
    pending: list[tuple[int, Any]] = field(default_factory=list)  # (entry id, proposal)
    review: list[tuple[int, Any]] = field(default_factory=list)  # (entry id, proposals)


def _apply_rule(actor: Actor, entry: BankEntry, rule: matching.Rule) -> None:
    """A line that pays no document (a fee, a tax …): its movement gets the rule's cash-flow
    category and the entry leaves matching. A movement a person already gave a category, or
    one of a closed period, keeps what it has; the entry is still the rule's."""
    bank_rules.file_movement(actor, entry.movement, int(rule.category))
    entry.rule_id = rule.key
    entry.match_state = MatchState.NONE
    entry.save(update_fields=["rule", "match_state"])


# What matching reads of an entry to decide (`incoming_of_entry` takes these by name). Most
# entries of a large import match nothing and need no model instance: one is loaded only for
# an entry that gets written.
_ROW_FIELDS = (
    "id",
    "movement_id",
    "payment_id",
    "amount",
    "currency",
    "booking_date",
    "reference",
    "end_to_end_id",
    "text",
    "counterparty_name",
    "counterparty_iban",
    "raw",
    "maybe_typed",
)


def _match_each(actor: Actor, found: Any, context: _Context, result: MatchResult) -> None:
    rules = matching.rules_by_direction(context.rules)
    payments_on = context.payments_on
    for row in found.values_list(*_ROW_FIELDS, named=True).iterator(chunk_size=2000):
        if row.counterparty_iban and row.counterparty_iban in context.own_ibans:
            entry = _instance(row.id, context)
            own_transfers.settle_own_transfer(actor, context.company, entry.movement)
            entry.match_state = MatchState.NONE  # money between the company's own accounts
            entry.save(update_fields=["match_state"])
            result.own_transfers += 1
            continue
        if _has_manual_payment(row, payments_on):
            entry = _instance(row.id, context)
            entry.match_state = MatchState.CONFIRMED
            entry.save(update_fields=["match_state"])
            continue
        incoming = bank_rules.incoming_of_entry(row)  # the same fields by name
        if row.maybe_typed:
            # Perhaps a movement a person typed in by hand already: the person says, and
            # neither a rule nor an automatic match settles the line before that.
            _queue_for_review(context, row.id, _propose(incoming, found, context))
            result.review += 1
            continue
        applicable = rules.get(incoming.direction, ())
        rule = matching.first_rule(incoming, applicable) if applicable else None
        if rule is not None:
            _apply_rule(actor, _instance(row.id, context), rule)
            result.ruled += 1
            continue
        proposals = _propose(incoming, found, context)
        if not proposals:
            result.unmatched += 1  # nothing open in this currency, or nothing fits
            continue
        best = proposals[0]
        pool = context.pools[row.currency]
        if best.automatic and best.allocations:
            if context.batch > 0:
                context.pending.append((row.id, best))
                if len(context.pending) >= context.batch:
                    _apply_pending(actor, context)
            else:
                entry = _instance(row.id, context)
                stored = _store(entry, proposals[:1], first_state=ProposalState.OPEN)
                apply_proposal(actor, entry, stored[0], automatic=True, parties=context.parties)
            pool.take(best.allocations)
            result.matched += 1
        else:
            _queue_for_review(context, row.id, proposals)
            result.review += 1


def _propose(incoming: matching.Incoming, found: Any, context: _Context) -> list[matching.Proposal]:
    """The engine's proposals for one entry against the run's pool of its currency (built on
    first use); none when nothing is open in that currency."""
    currency = incoming.currency
    pool = context.pools.get(currency)
    if pool is None:
        pool = context.pools[currency] = _Pool(open_items(context.company, currency))
        _closed_before(context.company, found, currency, pool)
    if not pool.items:
        return []
    return matching.propose(
        incoming, pool.candidates(), aliases=context.aliases, tolerance=context.tolerance
    )


def _queue_for_review(context: _Context, entry_id: int, proposals: list[Any]) -> None:
    """The entry waits for a person: stored with the next batch (nothing of it changes the
    pool)."""
    context.review.append((entry_id, proposals))
    if len(context.review) >= max(context.batch, 1):
        _store_review(context)


def _store_review(context: _Context) -> None:
    """The proposals of the entries waiting for a person, in one insert, and the entries'
    state in one UPDATE (three statements per entry before)."""
    waiting, context.review = context.review, []
    if not waiting:
        return
    company_id = context.company.pk
    # insert_rows, not bulk_create: no model instance and no SQL compiled per row.
    insert_rows(
        MatchProposal,
        [
            row
            for entry_id, proposals in waiting
            for row in _proposal_values(
                company_id, entry_id, proposals, first_state=ProposalState.OPEN
            )
        ],
    )
    BankEntry.objects.filter(company_id=company_id).filter(
        AnyOf(F("pk"), [entry_id for entry_id, _proposals in waiting])
    ).update(match_state=MatchState.REVIEW)


def _closed_before(company: Company, found: Any, currency: str, pool: _Pool) -> None:
    """Tell the pool's index which of the references the entries carry belong to documents
    that are no longer open (paid, credited or voided before this run): one query."""
    named = found.exclude(reference="").values("reference")
    rows = Document.objects.filter(
        company=company, currency=currency, rf_reference__in=named
    ).values_list("id", "rf_reference", "number")
    for document_id, reference, number in rows:
        if ("sales", document_id) not in pool.items:
            pool.index.closed(reference, number or "")


def _apply_pending(actor: Actor, context: _Context) -> None:
    """Apply the run's automatic matches waiting in `context.pending`: the payments and
    allocations through payments' bulk action, the proposals in one insert, the entries
    set-wise, the audit records in one insert. An entry that already has a payment, has no
    movement to record one on, or returns a payment's rest (a refund, rare) is applied on its
    own (`_apply`)."""
    pending, context.pending = context.pending, []
    if not pending:
        return
    company = context.company
    # Only what paying reads (the payment, the proposal, the audit record's name); the
    # rest of an entry, its movement and account (the bank's raw records above all) stays
    # unread: 100,000 entries are 300,000 model instances. A field left out is read on its
    # own when touched (the entries applied one at a time do).
    entries = {
        entry.pk: entry
        for entry in BankEntry.objects.select_related("movement__account")
        .only(*_APPLY_FIELDS)
        .filter(company=company)
        .filter(AnyOf(F("pk"), [entry_id for entry_id, _best in pending]))
    }
    missing = {
        best.party_id
        for _id, best in pending
        if best.party_id and best.party_id not in context.parties
    }
    if missing:
        found = {p.pk: p for p in Party.objects.filter(company=company, pk__in=missing)}
        for party_id in missing:
            context.parties[party_id] = found.get(party_id)
    together: list[tuple[BankEntry, Movement, Any]] = []
    for entry_id, best in pending:
        entry = entries[entry_id]
        entry.company = company
        if (
            entry.payment_id is not None
            or entry.movement is None
            or any(a[0] in matching.REFUND_KINDS for a in best.allocations)
        ):
            stored = _store(entry, [best], first_state=ProposalState.OPEN)
            apply_proposal(actor, entry, stored[0], automatic=True, parties=context.parties)
        else:
            together.append((entry, entry.movement, best))
    if together:
        _apply_together(actor, context, together)


#: The fields of an entry, its movement and account that applying a batch reads.
_APPLY_FIELDS = (
    "company_id",
    "account_id",
    "booking_date",
    "amount",
    "currency",
    "counterparty_name",
    "bank_id",
    "text",
    "payment_id",
    "party_id",
    "match_state",
    "movement__company_id",
    "movement__amount",
    "movement__currency",
    "movement__account__kind",
)


def _apply_together(
    actor: Actor, context: _Context, matches: list[tuple[BankEntry, Movement, Any]]
) -> None:
    company = context.company
    recorded = payments_actions.record_matched_payments(
        actor,
        company,
        [
            payments_actions.MatchedPaymentInput(
                movement=movement,
                direction=Direction.IN if entry.amount > 0 else Direction.OUT,
                date=entry.booking_date,
                amount=abs(entry.amount),
                currency=entry.currency,
                party=_party(company, best.party_id, context.parties),
                bank_reference=entry.bank_id,
                note=entry.text[:500],
                allocations=tuple((k, int(i), Decimal(str(a))) for k, i, a in best.allocations),
            )
            for entry, movement, best in matches
        ],
    )
    now = timezone.now()
    proposals = []
    for (entry, _movement, best), done in zip(matches, recorded, strict=True):
        (values,) = _proposal_values(
            company.pk, entry.pk, [best], first_state=ProposalState.APPLIED
        )
        values["allocation_ids"] = [a.pk for a in done.allocations]
        values["decided_by_id"] = actor.user.pk if actor.user else None
        values["decided_at"] = now
        proposals.append(values)
    proposal_ids = insert_rows(MatchProposal, proposals)
    entries = []
    for (entry, _movement, best), done in zip(matches, recorded, strict=True):
        entry.payment = done.payment
        entry.party = _party(company, best.party_id, context.parties)
        entry.match_state = MatchState.AUTO
        entries.append(entry)
    update_rows(BankEntry, entries, ["payment", "party", "match_state"])
    MatchProposal.objects.filter(company=company, state=ProposalState.OPEN).filter(
        AnyOf(F("entry_id"), [entry.pk for entry in entries])
    ).update(state=ProposalState.SUPERSEDED)
    records = audit.Batch(actor, company)
    for entry, proposal, proposal_id in zip(entries, proposals, proposal_ids, strict=True):
        records.event(
            "apply_match",
            entry,
            {
                "proposal": proposal_id,
                "score": proposal["score"],
                "reasons": proposal["reasons"],
                "automatic": True,
                "allocations": proposal["allocations"],
            },
        )
    records.write()


def _instance(pk: int, context: _Context) -> BankEntry:
    """The entry to write, with the run's company (not one Company row per entry) and its
    movement with the movement's account (a payment on it reads both): one query."""
    entry = BankEntry.objects.select_related("movement__account").get(pk=pk)
    entry.company = context.company
    return entry
