"""The daily supplier payment alerts, with the clock moved (time-machine): every kind, a run
missed for three days, and two workers at once."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
import time_machine
from django.db import close_old_connections, connection

from xfinances.core.audit import Actor
from xfinances.notifications.models import Notification, OutboxMessage
from xfinances.purchases import actions
from xfinances.purchases.models import SupplierAlert, SupplierAlertRun
from xfinances.purchases.tasks import run_all_companies
from xfinances.purchases.tests.factories import make_invoice, make_supplier

DUE = dt.date(2026, 3, 16)  # a Monday


def _day(offset: int) -> dt.date:
    return DUE + dt.timedelta(days=offset)


def _run(offset: int) -> None:
    day = _day(offset)
    with time_machine.travel(dt.datetime.combine(day, dt.time(6, 30), tzinfo=dt.UTC), tick=False):
        run_all_companies()


def _kinds(invoice: Any) -> list[str]:
    return sorted(SupplierAlert.objects.filter(invoice=invoice).values_list("kind", flat=True))


def _emails(user: Any) -> list[OutboxMessage]:
    return [m for m in OutboxMessage.objects.order_by("pk") if m.recipients == [user.email]]


@pytest.fixture
def setup(company: Any, make_member: Any) -> dict[str, Any]:
    owner = make_member(company, "owner")
    buyer = make_member(company, "purchasing")
    supplier = make_supplier(company, responsible=buyer)
    invoice = make_invoice(company, supplier=supplier, number="4521", due_date=DUE)
    return {"company": company, "owner": owner, "buyer": buyer, "invoice": invoice}


@pytest.mark.django_db
def test_every_kind_on_its_day_and_once(setup: dict[str, Any]) -> None:
    invoice, buyer, owner = setup["invoice"], setup["buyer"], setup["owner"]
    _run(-4)
    assert _kinds(invoice) == []
    _run(-3)
    assert _kinds(invoice) == ["due_soon"]
    assert len(_emails(buyer)) == 1 and "4521" in _emails(buyer)[0].payload["text"]
    _run(-2)
    _run(-1)
    assert _kinds(invoice) == ["due_soon"] and len(_emails(buyer)) == 1
    _run(0)
    assert _kinds(invoice) == ["due_soon", "due_today"]
    _run(1)
    assert _kinds(invoice) == ["due_soon", "due_today", "overdue"]
    assert len(_emails(buyer)) == 3 and _emails(owner) == []
    for offset in (2, 3, 4):
        _run(offset)
    assert _emails(owner) == []
    _run(5)  # escalation after 5 days overdue goes to the owners
    assert "escalated" in _kinds(invoice)
    assert len(_emails(owner)) == 1 and "4521" in _emails(owner)[0].payload["text"]
    _run(6)
    assert len(_emails(buyer)) == 3 and len(_emails(owner)) == 1
    bell = Notification.objects.filter(user=buyer).values_list("kind", flat=True)
    assert sorted(bell) == ["supplier_due_soon", "supplier_due_today", "supplier_overdue"]


@pytest.mark.django_db
def test_paid_invoices_stop_alerting(setup: dict[str, Any]) -> None:
    actions.set_paid_amount(Actor.system(), setup["invoice"], setup["invoice"].total)
    _run(0)
    _run(7)
    assert _kinds(setup["invoice"]) == []


@pytest.mark.django_db
def test_missed_three_days_catches_up_without_sending_twice(setup: dict[str, Any]) -> None:
    invoice, buyer = setup["invoice"], setup["buyer"]
    _run(-3)
    assert _kinds(invoice) == ["due_soon"]
    # The worker is down on -2, -1 and 0 (the due date); it comes back on day +1.
    _run(1)
    assert _kinds(invoice) == ["due_soon", "overdue"]  # no stale "due today"
    assert len(_emails(buyer)) == 2
    _run(1)  # a rerun the same day
    _run(2)
    assert len(_emails(buyer)) == 2 and SupplierAlert.objects.filter(invoice=invoice).count() == 2


@pytest.mark.django_db
def test_approver_is_alerted_near_the_due_date(company: Any, make_member: Any) -> None:
    accountant = make_member(company, "accountant")
    invoice = make_invoice(company, due_date=DUE, approval_required=True, approver=accountant.pk)
    _run(-6)
    assert "approval" not in _kinds(invoice)
    _run(-5)
    assert "approval" in _kinds(invoice)
    assert "0000001001" in _emails(accountant)[0].payload["text"]
    assert len(_emails(accountant)) == 1
    actions.approve_supplier_invoice(Actor(accountant), invoice)
    _run(-4)
    assert len(_emails(accountant)) == 1


@pytest.mark.django_db
def test_digest_is_one_email_per_user_per_day(setup: dict[str, Any]) -> None:
    second = make_invoice(
        setup["company"], supplier=setup["invoice"].supplier, number="4522", due_date=DUE
    )
    _run(0)
    emails = _emails(setup["buyer"])
    assert len(emails) == 1
    assert "4521" in emails[0].payload["text"] and "4522" in emails[0].payload["text"]
    assert SupplierAlertRun.objects.get().alerts_sent == 2
    assert _kinds(second) == ["due_today"]


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_send_each_email_once(company: Any, make_member: Any) -> None:
    buyer = make_member(company, "purchasing")
    supplier = make_supplier(company, responsible=buyer)
    for number in ("1", "2", "3"):
        make_invoice(company, supplier=supplier, number=number, due_date=DUE)
    barrier = threading.Barrier(2)
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait(10)
            actions.run_supplier_alerts(company, DUE)
        except BaseException as error:  # pragma: no cover - reported below
            failures.append(error)
        finally:
            close_old_connections()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    # PostgreSQL queues the second insert of the claim behind the first and then finds it taken.
    # The in-memory SQLite of the tests reports "table is locked" to the loser instead of
    # waiting: that worker sends nothing either, and its retry finds the claim.
    assert all(connection.vendor == "sqlite" and "locked" in str(error) for error in failures), (
        failures
    )
    assert actions.run_supplier_alerts(company, DUE).claimed is False
    assert SupplierAlertRun.objects.filter(company=company).count() == 1
    assert SupplierAlert.objects.filter(company=company).count() == 3
    assert len(_emails(buyer)) == 1
    assert Notification.objects.filter(user=buyer).count() == 3
