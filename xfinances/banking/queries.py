"""Named reads of banking, always scoped to a company."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal
from typing import Any, NamedTuple

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext as _

from xfinances.banking import csv_profiles, pain001
from xfinances.banking.models import (
    AliasKind,
    BankConnection,
    BankEntry,
    BankRule,
    CsvProfile,
    MatchProposal,
    MatchState,
    PartyAlias,
    PaymentFile,
    ProposalState,
    Statement,
    StatementImport,
    StatementMailbox,
    SyncStatus,
    WatchedFolder,
)
from xfinances.core import formatting
from xfinances.core.models import Company
from xfinances.invoicing.models import Document, DocumentKind, DocumentStatus
from xfinances.parties.models import Party, PartyBankAccount
from xfinances.payments.models import Payment
from xfinances.purchases.models import (
    ApprovalStatus,
    PaymentBatch,
    PaymentBatchItem,
    PaymentBatchStatus,
    SupplierDocumentKind,
    SupplierInvoice,
    SupplierInvoiceStatus,
)
from xfinances.treasury.models import (
    AccountKind,
    MoneyAccount,
    Movement,
    MovementSource,
    MovementStatus,
)

CLAIM_KINDS = (DocumentKind.INVOICE, DocumentKind.DEBIT_NOTE)


def bank_accounts(company: Company) -> QuerySet[MoneyAccount]:
    return MoneyAccount.objects.filter(company=company, kind=AccountKind.BANK).exclude(iban="")


def bank_account(company: Company, account_id: int) -> MoneyAccount | None:
    return bank_accounts(company).filter(pk=account_id).first()


def account_by_iban(company: Company, iban: str) -> MoneyAccount | None:
    return MoneyAccount.objects.filter(company=company, iban=iban.replace(" ", "").upper()).first()


def statements(company: Company, account: MoneyAccount) -> QuerySet[Statement]:
    return Statement.objects.filter(company=company, account=account).order_by("-date_to", "-id")


def statement(company: Company, statement_id: int) -> Statement | None:
    return Statement.objects.filter(company=company, pk=statement_id).first()


def imports(company: Company) -> QuerySet[StatementImport]:
    return StatementImport.objects.filter(company=company).select_related("account")


def entries_of(company: Company, statement: Statement) -> QuerySet[BankEntry]:
    return BankEntry.objects.filter(company=company, statement=statement).order_by(
        "booking_date", "id"
    )


def applied_proposal_ids(entry_ids: list[int]) -> dict[int, int]:
    """Entry id → its applied proposal (the match that may be undone), for the given lines."""
    if not entry_ids:
        return {}
    rows = MatchProposal.objects.filter(
        entry_id__in=entry_ids, state=ProposalState.APPLIED
    ).values_list("entry_id", "pk")
    return dict(rows)


def lines_on_typed_movements(entry_ids: list[int]) -> set[int]:
    """Those of the given lines that stand on a movement typed in by hand (paired with it)."""
    if not entry_ids:
        return set()
    return set(
        BankEntry.objects.filter(
            pk__in=entry_ids, movement__source=MovementSource.MANUAL
        ).values_list("pk", flat=True)
    )


def entries_before(entries: QuerySet[BankEntry], line: BankEntry) -> int:
    """How many of `entries` (ordered as `entries_of`) come before `line`."""
    day = line.booking_date
    return entries.filter(Q(booking_date__lt=day) | Q(booking_date=day, pk__lt=line.pk)).count()


def entry(company: Company, entry_id: int) -> BankEntry | None:
    return BankEntry.objects.filter(company=company, pk=entry_id).first()


# How far a movement typed in by hand may be dated from the bank's booking of the same money.
# Taken without asking (the import): typed on the day the order was given, up to a week before
# the bank books it, or a day or two after — and the only such movement for the only such line.
TYPED_BEFORE, TYPED_AFTER = dt.timedelta(days=7), dt.timedelta(days=2)
# Asked about (the review queue): any other such movement from a month before to a week after.
DOUBT_BEFORE, DOUBT_AFTER = dt.timedelta(days=31), dt.timedelta(days=7)


def free_typed_movements(
    company: Company, account_ids: Iterable[int], first: dt.date, last: dt.date
) -> QuerySet[Movement]:
    """Movements a person typed in by hand on these accounts, dated `first` to `last`, that no
    bank line has taken: posted, neither a reversal nor reversed, without a bank reference (one
    with it is found by the reference)."""
    return (
        Movement.objects.filter(
            company=company,
            account_id__in=list(account_ids),
            source=MovementSource.MANUAL,
            status=MovementStatus.POSTED,
            reversal_of__isnull=True,
            bank_reference="",
            date__gte=first,
            date__lte=last,
        )
        .filter(~Exists(BankEntry.objects.filter(movement_id=OuterRef("pk"))))
        .filter(~Exists(Movement.objects.filter(reversal_of_id=OuterRef("pk"))))
    )


def movement(company: Company, movement_id: int) -> Movement | None:
    """A movement of the company, for a review action to check against its bank line."""
    return Movement.objects.filter(company=company, pk=movement_id).first()


class TypedCandidate(NamedTuple):
    """A movement typed in by hand that a bank line may be, with the payments on it."""

    movement: Movement
    payments: list[Payment]


def typed_candidates(
    company: Company, entries: Iterable[BankEntry]
) -> dict[int, list[TypedCandidate]]:
    """Entry id → the free typed movements it may be (same account and signed amount, dated a
    month before to a week after its booking), nearest date first; only for entries flagged
    `maybe_typed`. One query for the movements and one for their payments."""
    flagged = [e for e in entries if e.maybe_typed]
    if not flagged:
        return {}
    movements = list(
        free_typed_movements(
            company,
            {e.account_id for e in flagged},
            min(e.booking_date for e in flagged) - DOUBT_BEFORE,
            max(e.booking_date for e in flagged) + DOUBT_AFTER,
        )
        .filter(amount__in={e.amount for e in flagged})
        .order_by("date", "pk")
    )
    payments: dict[int, list[Payment]] = defaultdict(list)
    for payment in (
        Payment.objects.filter(company=company, movement__in=movements)
        .select_related("party")
        .order_by("pk")
    ):
        assert payment.movement_id is not None
        payments[payment.movement_id].append(payment)
    found: dict[int, list[TypedCandidate]] = {}
    for e in flagged:
        near = [
            m
            for m in movements
            if m.account_id == e.account_id
            and m.amount == e.amount
            and e.booking_date - DOUBT_BEFORE <= m.date <= e.booking_date + DOUBT_AFTER
        ]
        near.sort(key=lambda m: (abs((m.date - e.booking_date).days), m.pk))
        found[e.pk] = [TypedCandidate(m, payments.get(m.pk, [])) for m in near]
    return found


class OpenForHand(NamedTuple):
    """A document a person may allocate a bank line to by hand."""

    id: int
    label: str  # its kind and number
    issue_date: dt.date
    due_date: dt.date | None
    open_amount: Decimal


#: The match-by-hand page lists a party's oldest open documents up to this many (and says so).
HAND_DOCUMENTS = 200


def open_for_hand(
    company: Company, party: Party, currency: str, incoming: bool
) -> tuple[list[OpenForHand], int]:
    """The party's documents with something open in `currency`, oldest first, the first
    `HAND_DOCUMENTS` of them, and how many there are: sales invoices and debit notes for money
    in, supplier invoices and debit notes for money out."""
    if incoming:
        sales = Document.objects.filter(
            company=company,
            party=party,
            currency=currency,
            status=DocumentStatus.ISSUED,
            kind__in=CLAIM_KINDS,
            outstanding_amount__gt=0,
        ).order_by("issue_date", "pk")
        rows = [
            OpenForHand(
                d.pk,
                f"{d.get_kind_display()} {d.number}",
                d.issue_date,
                d.due_date,
                d.outstanding_amount,
            )
            for d in sales[:HAND_DOCUMENTS]
        ]
        return rows, (sales.count() if len(rows) == HAND_DOCUMENTS else len(rows))
    purchases = (
        SupplierInvoice.objects.filter(
            company=company,
            supplier=party,
            currency=currency,
            status=SupplierInvoiceStatus.REGISTERED,
            remaining__gt=0,
        )
        .exclude(kind=SupplierDocumentKind.CREDIT_NOTE)
        .order_by("issue_date", "pk")
    )
    rows = [
        OpenForHand(
            s.pk,
            f"{s.get_kind_display()} {s.supplier_number}",
            s.issue_date,
            s.due_date,
            s.remaining,
        )
        for s in purchases[:HAND_DOCUMENTS]
    ]
    return rows, (purchases.count() if len(rows) == HAND_DOCUMENTS else len(rows))


def parties_for_hand(company: Company) -> QuerySet[Party]:
    return Party.objects.filter(company=company, is_archived=False).order_by("name")


def lines_proposing(document: Document) -> list[BankEntry]:
    """Entries waiting in the review queue with an open proposal that settles `document`,
    oldest first (a party has few open proposals: their allocations are read in Python)."""
    if document.party_id is None:
        return []
    # A proposal carries the party of the documents it allocates to (the engine's OpenItem).
    proposals = MatchProposal.objects.filter(
        company_id=document.company_id,
        party_id=document.party_id,
        state=ProposalState.OPEN,
        entry__match_state=MatchState.REVIEW,
    ).select_related("entry")
    found = {
        p.entry.pk: p.entry
        for p in proposals
        if any(kind == "sales" and int(i) == document.pk for kind, i, _a in p.allocations)
    }
    return sorted(found.values(), key=lambda e: (e.booking_date, e.pk))


def review_queue(company: Company) -> QuerySet[BankEntry]:
    """Entries waiting for a person, oldest first, with their open proposals."""
    return BankEntry.objects.filter(company=company, match_state=MatchState.REVIEW).order_by(
        "booking_date", "id"
    )


def open_proposals(company: Company, entry_ids: Iterable[int]) -> dict[int, list[MatchProposal]]:
    found: dict[int, list[MatchProposal]] = defaultdict(list)
    for proposal in (
        MatchProposal.objects.filter(
            company=company, entry_id__in=list(entry_ids), state=ProposalState.OPEN
        )
        .select_related("party")
        .order_by("entry_id", "rank", "id")
    ):
        found[proposal.entry_id].append(proposal)
    return found


class Target(NamedTuple):
    """One document a proposal would pay: what a person reads and where it opens."""

    kind: str  # "sales" | "purchase" | "payment_out" | "payment_in" (a payment's rest)
    document: Document | SupplierInvoice | Payment | None  # None: gone since
    amount: Decimal


def proposal_targets(
    company: Company, proposals: Iterable[MatchProposal]
) -> dict[int, list[Target]]:
    """Each proposal's documents or payments (by proposal id), read in three queries for the
    whole page."""
    wanted: dict[str, set[int]] = {"sales": set(), "purchase": set()}
    for p in proposals:
        for kind, item_id, _amount in p.allocations:
            wanted.setdefault(kind, set()).add(int(item_id))
    documents: dict[tuple[str, int], Document | SupplierInvoice | Payment] = {}
    for document in Document.objects.filter(company=company, pk__in=wanted["sales"]).only(
        "pk", "kind", "number", "company_id"
    ):
        documents["sales", document.pk] = document
    for invoice in SupplierInvoice.objects.filter(company=company, pk__in=wanted["purchase"]).only(
        "pk", "kind", "supplier_number", "company_id"
    ):
        documents["purchase", invoice.pk] = invoice
    rests = wanted.get("payment_in", set()) | wanted.get("payment_out", set())
    if rests:
        for payment in Payment.objects.filter(company=company, pk__in=rests).only(
            "pk", "direction", "date", "amount", "currency", "company_id"
        ):
            documents[f"payment_{payment.direction}", payment.pk] = payment
    return {
        p.pk: [
            Target(kind, documents.get((kind, int(item_id))), Decimal(str(amount)))
            for kind, item_id, amount in p.allocations
        ]
        for p in proposals
    }


def proposal(company: Company, proposal_id: int) -> MatchProposal | None:
    return (
        MatchProposal.objects.filter(company=company, pk=proposal_id)
        .select_related("entry", "party")
        .first()
    )


def counts(company: Company) -> dict[str, int]:
    rows = (
        BankEntry.objects.filter(company=company)
        .values("match_state")
        .annotate(n=Count("id"))
        .values_list("match_state", "n")
    )
    return dict(rows)


def aliases(company: Company) -> dict[str, int]:
    """IBAN or normalised bank-side name → party id, as confirmations taught."""
    return dict(PartyAlias.objects.filter(company=company).values_list("value", "party_id"))


def alias_rows(company: Company) -> QuerySet[PartyAlias]:
    return (
        PartyAlias.objects.filter(company=company)
        .select_related("party", "created_by")
        .order_by("party__name", "kind", "value")
    )


def alias(company: Company, alias_id: int) -> PartyAlias | None:
    return PartyAlias.objects.filter(company=company, pk=alias_id).first()


def party_identifiers(company: Company, party_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """Per party: name, ЕИК, VAT number and known IBANs (what the matcher looks for)."""
    ids = list(set(party_ids))
    out: dict[int, dict[str, Any]] = {}
    for pk, name, eik, vat in Party.objects.filter(company=company, pk__in=ids).values_list(
        "pk", "name", "eik", "vat_number"
    ):
        out[pk] = {"name": name, "ids": [x for x in (eik, vat) if x]}
    for party_id, iban in PartyBankAccount.objects.filter(
        company=company, party_id__in=ids
    ).values_list("party_id", "iban"):
        if party_id in out:
            out[party_id]["ids"].append(iban)
    for party_id, value in PartyAlias.objects.filter(
        company=company, party_id__in=ids, kind=AliasKind.IBAN
    ).values_list("party_id", "value"):
        if party_id in out and value not in out[party_id]["ids"]:
            out[party_id]["ids"].append(value)
    return out


class OpenSalesDocument(NamedTuple):
    id: int
    number: str | None
    party_id: int | None
    rf_reference: str
    open_amount: Decimal
    currency: str
    issue_date: dt.date | None
    due_date: dt.date | None


def open_sales_documents(company: Company, currency: str) -> list[OpenSalesDocument]:
    """Issued invoices and debit notes with something left to pay, in `currency`.

    A document has at most one settlement row (none: nothing settled), so it is joined, not
    summed: no GROUP BY over the open book (a matching run reads all of it; at 800,000 open
    documents the grouped read took twice as long)."""
    rows = (
        Document.objects.filter(
            company=company,
            status=DocumentStatus.ISSUED,
            kind__in=CLAIM_KINDS,
            currency=currency,
        )
        .filter(Q(settlement__isnull=True) | Q(settlement__settled__lt=F("total")))
        .values_list(
            "id",
            "number",
            "party_id",
            "rf_reference",
            "total",
            "settlement__settled",
            "currency",
            "issue_date",
            "due_date",
        )
    )
    out: list[OpenSalesDocument] = []
    make = OpenSalesDocument._make  # from a tuple: half the cost of the constructor
    for pk, number, party_id, reference, total, settled, row_currency, issued, due in rows:
        left = total - settled if settled else total
        if left > 0:
            out.append(make((pk, number, party_id, reference, left, row_currency, issued, due)))
    return out


def payment_rests(company: Company, currency: str) -> list[tuple[Any, ...]]:
    """(id, direction, party id, unallocated, date) of the payments of a party in `currency`
    with something unallocated: money the other way may return it. A refund is all used."""
    return [
        (pk, direction, party_id, amount - allocated, day)
        for pk, direction, party_id, amount, allocated, day in Payment.objects.filter(
            company=company,
            currency=currency,
            party__isnull=False,
            refund_of__isnull=True,
            allocated__lt=F("amount"),
        ).values_list("id", "direction", "party_id", "amount", "allocated", "date")
    ]


def open_supplier_invoices(company: Company, currency: str) -> list[dict[str, Any]]:
    """Registered supplier invoices and debit notes with something left to pay. `reference` is
    the end-to-end id the invoice had in the latest payment file sent to the bank (or empty):
    the bank returns it with the outgoing payment."""
    sent_in = (
        PaymentBatchItem.objects.filter(
            company=company, invoice=OuterRef("pk"), batch__status=PaymentBatchStatus.EXPORTED
        )
        .order_by("-batch_id")
        .values("batch_id")[:1]
    )
    rows = [
        dict(row)
        for row in SupplierInvoice.objects.filter(
            company=company,
            status=SupplierInvoiceStatus.REGISTERED,
            currency=currency,
            remaining__gt=0,
        )
        .exclude(kind=SupplierDocumentKind.CREDIT_NOTE)
        .exclude(approval_status=ApprovalStatus.REJECTED)
        .values(
            "id",
            "supplier_number",
            "supplier_id",
            "remaining",
            "currency",
            "issue_date",
            "due_date",
            sent_in_batch=Subquery(sent_in),
        )
    ]
    for row in rows:
        batch_id = row.pop("sent_in_batch")
        row["reference"] = ""
        if batch_id:
            row["reference"] = pain001.end_to_end_id(pain001.batch_reference(batch_id), row["id"])
    return rows


def rules(company: Company) -> QuerySet[BankRule]:
    """All of the company's bank rules (switched-off ones too), in the order they run."""
    return (
        BankRule.objects.filter(company=company)
        .select_related("category")
        .order_by("position", "id")
    )


def rule(company: Company, rule_id: int) -> BankRule | None:
    return BankRule.objects.filter(company=company, pk=rule_id).first()


def csv_profiles_of(company: Company) -> QuerySet[CsvProfile]:
    return CsvProfile.objects.filter(company=company).order_by("name", "id")


def csv_profile(company: Company, profile_id: int) -> CsvProfile | None:
    return CsvProfile.objects.filter(company=company, pk=profile_id).first()


def column_profiles(company: Company) -> list[csv_profiles.Profile]:
    """The profiles an import tries, the company's own first, then the shipped presets.
    A stored profile is keyed `company-<id>` (what the upload form's choice sends)."""
    own = [
        replace(csv_profiles.Profile.from_dict(p.data), key=f"company-{p.pk}", name=p.name)
        for p in csv_profiles_of(company)
    ]
    return [*own, *csv_profiles.BUILTIN]


def column_profile(company: Company, key: str) -> csv_profiles.Profile | None:
    """A profile by its key: a shipped preset's or `company-<id>`."""
    return next((p for p in column_profiles(company) if p.key == key), None)


def payment_files(company: Company, batch: PaymentBatch | None = None) -> QuerySet[PaymentFile]:
    found = PaymentFile.objects.filter(company=company).select_related("account", "created_by")
    return found.filter(batch=batch) if batch is not None else found


def payment_file(company: Company, payment_file_id: int) -> PaymentFile | None:
    return PaymentFile.objects.filter(company=company, pk=payment_file_id).first()


# A connection whose consent ends within this many days is named on the dashboard (the owner is
# also warned by e-mail, `sources` tasks).
CONSENT_SOON = dt.timedelta(days=14)
_TROUBLE = (SyncStatus.PARTIAL, SyncStatus.RETRYING, SyncStatus.FAILED, SyncStatus.CONSENT)


class SourceTrouble(NamedTuple):
    name: str
    problem: str  # translated: the status, or the consent's end


class DashboardSummary(NamedTuple):
    review: int  # lines waiting for a person
    maybe_typed: int  # of them, lines that may be a payment typed in by hand
    last_booked: dt.date | None  # the newest bank line of the company
    troubles: list[SourceTrouble]  # automatic sources that need a look


def dashboard_summary(company: Company, today: dt.date) -> DashboardSummary | None:
    """What the dashboard says of e-banking; None for a company that uses none of it."""
    troubles: list[SourceTrouble] = []
    sources = 0
    for model in (StatementMailbox, WatchedFolder, BankConnection):
        for source in model.objects.filter(company=company, active=True).order_by("name"):
            sources += 1
            if source.status in _TROUBLE:
                troubles.append(SourceTrouble(source.name, source.get_status_display()))
            until = getattr(source, "consent_valid_until", None)
            ending = until is not None and until <= today + CONSENT_SOON
            if ending and source.status not in _TROUBLE:
                troubles.append(
                    SourceTrouble(
                        source.name,
                        _("consent ends on %(date)s") % {"date": formatting.date(until)},
                    )
                )
    waiting = BankEntry.objects.filter(company=company, match_state=MatchState.REVIEW).aggregate(
        review=Count("id"), maybe_typed=Count("id", filter=Q(maybe_typed=True))
    )
    last = (
        BankEntry.objects.filter(company=company)
        .order_by("-booking_date")
        .values_list("booking_date", flat=True)
        .first()
    )
    if last is None and not sources:
        return None
    return DashboardSummary(waiting["review"], waiting["maybe_typed"], last, troubles)
