"""match_entries applies its automatic matches in batches: the same result as one at a time.

A generated set (bench/banking_data.py: Bulgarian payments with known answers, partial
payments, several documents per payment, outgoing payments to suppliers) is matched once with
each match applied on its own (`batch=0`, through record_payment and allocate), rolled back,
and matched again in small batches; every stored outcome is compared. A failure in a later
batch leaves nothing of the run."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from xfinances.banking import actions
from xfinances.banking.models import BankEntry, MatchProposal, MatchState
from xfinances.core.audit import Actor
from xfinances.core.models import AuditEntry, Company, Source
from xfinances.invoicing.models import Document
from xfinances.notifications.models import OutboxMessage, WebhookEndpoint
from xfinances.payments.models import Allocation, DocumentSettlement, Payment
from xfinances.purchases.models import SupplierInvoice

pytestmark = pytest.mark.django_db
SYSTEM = Actor.system(Source.CLI)


class _Undo(Exception):
    """Raised to roll a run back once its outcome is read."""


def _generated() -> Company:
    from bench import banking_matching_db
    from bench.banking_data import generate

    loaded = banking_matching_db.load(generate(parties=60, items_per_party=5, payments=400))
    company = Company.objects.get(pk=loaded.company_id)
    WebhookEndpoint.objects.create(
        company=company,
        url="https://crm.example.com/hook",
        events=["payment.received", "payment.allocated"],
    )
    return company


def _without(changes: dict[str, Any], *names: str) -> dict[str, Any]:
    return {k: v for k, v in changes.items() if k not in names}


def _outcome(company: Company) -> dict[str, Any]:
    """Everything a run stores, without the ids and times that differ between two runs."""
    movement_of = dict(Payment.objects.filter(company=company).values_list("pk", "movement_id"))
    allocation_of = {
        a.pk: (movement_of[a.payment_id], a.document_id, a.supplier_invoice_id)
        for a in Allocation.objects.filter(company=company)
    }
    audit = Counter()
    payment_changes = []
    for entry in AuditEntry.objects.filter(company=company).exclude(action="create_company"):
        audit[entry.action] += 1
        if entry.action == "record_payment":
            payment_changes.append(repr(sorted(_without(entry.changes, "created_at").items())))
    webhooks = []
    messages = OutboxMessage.objects.filter(
        company=company, kind="webhook", event__startswith="payment."
    )
    for message in messages:
        data = dict(message.payload["data"])
        # payment.received sends the payment; payment.allocated the allocation and its payment
        payment = dict(data.pop("payment")) if "payment" in data else data
        data = {} if payment is data else data
        movement = movement_of[payment.pop("id")]
        allocation = data.pop("allocation", None)
        if allocation is not None:
            allocation = repr(sorted(_without(allocation, "id").items()))
        webhooks.append((message.event, movement, repr(sorted(payment.items())), allocation, data))
    return {
        "entries": sorted(
            (e.pk, e.match_state, e.party_id, movement_of.get(e.payment_id))
            for e in BankEntry.objects.filter(company=company)
        ),
        "proposals": sorted(
            (
                p.entry_id,
                p.rank,
                p.party_id,
                repr(p.allocations),
                p.score,
                p.reason,
                p.automatic,
                p.state,
                str(p.overpayment),
                str(p.shortfall),
                sorted(allocation_of[i] for i in p.allocation_ids),
            )
            for p in MatchProposal.objects.filter(company=company)
        ),
        "payments": sorted(
            Payment.objects.filter(company=company).values_list(
                "movement_id",
                "direction",
                "party_id",
                "date",
                "amount",
                "currency",
                "eur_rate",
                "eur_amount",
                "allocated",
                "method",
                "source",
                "bank_reference",
                "note",
            )
        ),
        "allocations": sorted(
            (movement_of[a.payment_id], *rest)
            for a, rest in (
                (
                    a,
                    (
                        a.document_id or 0,
                        a.supplier_invoice_id or 0,
                        a.date,
                        a.amount,
                        a.document_amount,
                        a.exchange_difference_eur,
                    ),
                )
                for a in Allocation.objects.filter(company=company)
            )
        ),
        "documents": list(
            Document.objects.filter(company=company)
            .order_by("pk")
            .values_list("pk", "paid_amount", "outstanding_amount", "payment_status")
        ),
        "settlements": list(
            DocumentSettlement.objects.filter(company=company)
            .exclude(settled=0)
            .order_by("pk")
            .values_list("pk", "paid", "settled")
        ),
        "supplier_invoices": list(
            SupplierInvoice.objects.filter(company=company)
            .order_by("pk")
            .values_list("pk", "amount_paid", "remaining", "payment_status")
        ),
        "audit": {k: v for k, v in audit.items() if k != "set_supplier_invoice_paid"},
        "paid_invoices_audited": audit["set_supplier_invoice_paid"] > 0,
        "payment_audit": sorted(payment_changes),
        "webhooks": sorted(webhooks, key=repr),
    }


def _run(company: Company, batch: int) -> tuple[actions.MatchResult, dict[str, Any]]:
    try:
        with transaction.atomic():
            result = actions.match_entries(SYSTEM, company, batch=batch)
            outcome = _outcome(company)
            raise _Undo
    except _Undo:
        pass
    return result, outcome


def test_batches_give_the_same_matches_and_review_queue_as_one_at_a_time():
    company = _generated()
    one_by_one, expected = _run(company, batch=0)
    assert one_by_one.matched > 50 and one_by_one.review > 0
    assert any(row[2] for row in expected["allocations"])  # supplier invoices paid too
    assert expected["webhooks"]

    for batch in (7, 1000):
        in_bulk, outcome = _run(company, batch=batch)
        assert in_bulk == one_by_one
        for key, value in expected.items():
            assert outcome[key] == value, key


def test_a_failure_in_a_later_batch_leaves_nothing_of_the_run(monkeypatch):
    company = _generated()
    before = _outcome(company)
    real = actions.reconcile.payments_actions.record_matched_payments
    calls = []

    def fails_the_third_time(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("the connection broke")
        return real(*args, **kwargs)

    monkeypatch.setattr(
        actions.reconcile.payments_actions, "record_matched_payments", fails_the_third_time
    )
    with pytest.raises(RuntimeError):
        actions.match_entries(SYSTEM, company, batch=5)

    assert len(calls) == 3
    assert _outcome(company) == before
    assert (
        not BankEntry.objects.filter(company=company)
        .exclude(match_state=MatchState.UNMATCHED)
        .exists()
    )


def test_a_batch_of_automatic_matches_costs_a_fixed_number_of_queries():
    """Applying a batch reads and writes set-wise, webhooks included: a lazily loaded field,
    a relation read per match or a message queued one at a time (three statements each)
    would show as queries growing with the matches (2,427 for this set before the webhooks
    were queued together)."""
    company = _generated()
    with CaptureQueriesContext(connection) as queries:
        result = actions.match_entries(SYSTEM, company, batch=1000)
    assert result.matched > 200
    queued = OutboxMessage.objects.filter(company=company, kind="webhook").count()
    assert queued > result.matched  # payment.received and payment.allocated of each
    assert len(queries) < 60, [q["sql"][:120] for q in queries.captured_queries]
