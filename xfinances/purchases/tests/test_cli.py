"""`xfinances run-supplier-alerts`: the alerts of a day, once; roles and bad input."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from xfinances.notifications.models import OutboxMessage
from xfinances.purchases.models import SupplierAlert
from xfinances.purchases.tests.factories import make_invoice, make_supplier

pytestmark = pytest.mark.django_db
DUE = dt.date(2026, 3, 16)


def run(*args: str) -> str:
    out = StringIO()
    call_command("run-supplier-alerts", *args, stdout=out)
    return out.getvalue()


def test_alerts_of_a_day_once(company: Any, make_member: Any) -> None:
    buyer = make_member(company, "purchasing")
    invoice = make_invoice(
        company, supplier=make_supplier(company, responsible=buyer), number="4521", due_date=DUE
    )
    text = run("--company", company.eik, "--date", (DUE + dt.timedelta(days=1)).isoformat())
    assert "1 alerts, 1 e-mails queued" in text
    assert list(SupplierAlert.objects.filter(invoice=invoice).values_list("kind", flat=True)) == [
        "overdue"
    ]
    again = run("--company", company.eik, "--date", (DUE + dt.timedelta(days=1)).isoformat())
    assert "already sent" in again
    assert OutboxMessage.objects.filter(payload__purpose="supplier_alerts").count() == 1


def test_role_and_bad_date(company: Any, make_member: Any) -> None:
    viewer = make_member(company, "viewer")
    with pytest.raises(CommandError, match="role"):
        run("--company", company.eik, "--user", viewer.email)
    with pytest.raises(CommandError, match="--date"):
        run("--company", company.eik, "--date", "31.02.2026")
