"""`Idempotency-Key` on every create that moves money (issue 14, defect 5): two identical POSTs
made two payments, eight concurrent ones eight, each with a bank movement."""

from __future__ import annotations

import os
import threading

import pytest
from django.db import connection

from xfinances.payments.models import Payment
from xfinances.treasury.models import Movement
from xfinances.treasury.tests.factories import bank_account

BODY = {"direction": "in", "date": "2026-03-05", "amount": "10.00", "currency": "EUR"}


def _post(api, path, body, key):
    return api.client.post(
        f"/api/v1{path}",
        body,
        content_type="application/json",
        headers=api._headers() | {"Idempotency-Key": key},
    )


@pytest.mark.django_db
def test_two_identical_posts_make_one_payment(company, other_company, api_as):
    account = bank_account(company)
    api = api_as(company, "accountant")
    body = BODY | {"money_account_id": account.pk}
    first = _post(api, "/payments", body, "pay-1")
    second = _post(api, "/payments", body, "pay-1")
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert Payment.objects.filter(company=company).count() == 1
    assert Movement.objects.filter(company=company).count() == 1
    other = _post(api, "/payments", body | {"amount": "11.00"}, "pay-1")
    assert other.status_code == 409  # the same key for another request
    # scoped per company: another company may use the same key
    other_account = bank_account(other_company)
    theirs = _post(
        api_as(other_company, "accountant"),
        "/payments",
        BODY | {"money_account_id": other_account.pk},
        "pay-1",
    )
    assert theirs.status_code == 201
    assert Payment.objects.filter(company=other_company).count() == 1


@pytest.mark.django_db
def test_movements_and_transfers_honour_the_key(company, api_as):
    account = bank_account(company)
    api = api_as(company, "accountant")
    body = {"account_id": account.pk, "date": "2026-03-05", "direction": "in", "amount": "5.00"}
    assert _post(api, "/treasury/movements", body, "m-1").status_code == 201
    assert _post(api, "/treasury/movements", body, "m-1").status_code == 201
    assert Movement.objects.filter(company=company).count() == 1


@pytest.mark.skipif(
    not os.environ.get("DATABASE_URL", "").startswith("postgres"),
    reason="concurrent writers need PostgreSQL (SQLite serialises them)",
)
@pytest.mark.django_db(transaction=True)
def test_eight_concurrent_posts_make_one_payment(company, api_as):
    from django.test import Client

    account = bank_account(company)
    api = api_as(company, "accountant")
    body = BODY | {"money_account_id": account.pk}
    barrier = threading.Barrier(8)
    statuses: list[int] = []

    def post() -> None:
        caller = type(api)(Client(), api.token, api.company_eik)
        barrier.wait()
        try:
            statuses.append(_post(caller, "/payments", body, "concurrent-1").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [201] * 8
    assert Payment.objects.filter(company=company).count() == 1
    assert Movement.objects.filter(company=company).count() == 1
