"""Property tests (hypothesis): random sequences of allocations, undos and write-offs over a few
payments and documents keep the invariants — the sum of live allocations never exceeds a
payment or a document, the stored sums equal the allocations, and statuses follow."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from xfinances.core.exceptions import ActionError
from xfinances.invoicing.models import Document
from xfinances.invoicing.tests.factories import bg_client
from xfinances.payments import actions, queries
from xfinances.payments.models import Allocation, DocumentSettlement, Payment
from xfinances.payments.tests.factories import SYSTEM, invoice, payment

D = Decimal
cents = st.integers(min_value=1, max_value=15000).map(lambda c: D(c) / 100)
operation = st.one_of(
    st.tuples(st.just("allocate"), st.integers(0, 2), st.integers(0, 2), st.none() | cents),
    st.tuples(st.just("undo"), st.integers(0, 50)),
    st.tuples(st.just("write_off"), st.integers(0, 2)),
)


class Rollback(Exception):
    pass


@pytest.fixture
def world(company):
    client = bg_client(company)
    documents = [invoice(company, client, price) for price in ("100.00", "45.50", "0.99")]
    return company, client, documents


def check_invariants(company, documents: list[Document]) -> None:
    live = Allocation.objects.filter(company=company, undone_at__isnull=True)
    for paid in Payment.objects.filter(company=company):
        total = sum((a.amount for a in live.filter(payment=paid)), D(0))
        assert paid.allocated == total <= paid.amount
    for document in documents:
        row = DocumentSettlement.objects.filter(pk=document.pk).first()
        allocated = sum((a.document_amount for a in live.filter(document=document)), D(0))
        written = sum((w.amount for w in document.write_offs.filter(undone_at__isnull=True)), D(0))
        settled = row.settled if row else D(0)
        assert settled == allocated + written <= document.total
        stored = Document.objects.get(pk=document.pk)  # the state stored on the document
        assert stored.outstanding_amount == document.total - settled
        assert stored.paid_amount == allocated and stored.written_off_amount == written
        state, paid, remaining = queries.document_payment_status(stored, document.issue_date)
        assert remaining == document.total - settled and paid == allocated
        expected = (
            "unpaid"
            if settled == 0
            else "partly_paid"
            if remaining > 0
            else "written_off"
            if written > 0
            else "paid"
        )
        assert state == expected


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(amounts=st.lists(cents, min_size=1, max_size=3), steps=st.lists(operation, max_size=12))
def test_random_operations_keep_the_invariants(world, amounts, steps):
    company, client, documents = world
    try:
        with transaction.atomic():
            payments = [payment(company, client, str(amount)) for amount in amounts]
            for step in steps:
                try:
                    with transaction.atomic():
                        if step[0] == "allocate":
                            _op, p, d, amount = step
                            actions.allocate(
                                SYSTEM, payments[p % len(payments)], [(documents[d], amount)]
                            )
                        elif step[0] == "undo":
                            live = list(
                                Allocation.objects.filter(company=company, undone_at__isnull=True)
                            )
                            if live:
                                actions.undo_allocation(
                                    SYSTEM, live[step[1] % len(live)], reason="property"
                                )
                        else:
                            actions.write_off(SYSTEM, documents[step[1]], reason="property")
                except ActionError:
                    pass  # refused: must have changed nothing (checked below)
                check_invariants(company, documents)
            raise Rollback
    except Rollback:
        pass
