"""The issue's reads and its number written as SQL by hand (model_rows, locks.issue_lock,
numbering.take_number): the same values the ORM gives on this database, the same refusals, and
a draft changed after the caller read it is issued as it is now."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import models, transaction

from xfinances.core import actions as core_actions
from xfinances.core.exceptions import InvalidInput
from xfinances.core.models import AuditEntry
from xfinances.invoicing import actions, inputs, locks, model_rows
from xfinances.invoicing.models import Document, DocumentLine, NumberSeries
from xfinances.invoicing.tests.factories import SYSTEM, bg_client, draft, issued, line
from xfinances.notifications import actions as notifications
from xfinances.notifications.models import OutboxMessage

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 11, 20)


def _values(instance: models.Model) -> dict[str, Any]:
    """Every column as (type, value): a Decimal must stay a Decimal, a date a date."""
    out = {}
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        if isinstance(field, models.FileField):
            value = value.name
        out[field.attname] = (type(value), value)
    return out


def test_locked_document_and_lines_hold_what_the_orm_reads(company):
    account = core_actions.add_company_bank_account(
        SYSTEM, company, iban="BG80BNBG96611020345678", is_default=True
    )
    document = issued(
        company,
        lines=[line("33.3333", "3"), line("10", "1", vat="accommodation")],
        bank_account_ids=[account.pk],
        currency="USD",
        exchange_rate="1.0800",
        issue_date=TODAY,
        tax_event_date=TODAY,
        today=TODAY,
    )
    with transaction.atomic():
        locked = locks.lock_documents(company, [document.pk])[document.pk]
        orm = Document.objects.select_related("party").get(pk=document.pk)
        assert _values(locked) == _values(orm)
        assert _values(locked.party) == _values(orm.party)
        assert locked.supplier_bank_accounts[0]["iban"] == "BG80BNBG96611020345678"
        rows = actions._lines_read(locked).fetch()
        expected = DocumentLine.objects.filter(document=document).order_by("position", "id")
        assert [_values(r) for r in rows] == [_values(r) for r in expected]
        assert [_values(r.vat_treatment) for r in rows] == [
            _values(r.vat_treatment) for r in expected
        ]
        assert all(r.product is None for r in rows)
        groups, accounts = model_rows.fetch_together(
            actions._groups_read(locked), actions._bank_accounts_read(company)
        )
        assert [g.base for g in groups] == [Decimal("100.00"), Decimal("10.00")]
        assert [a.pk for a in accounts] == [account.pk]


def test_deactivated_series_is_refused_by_name_and_keeps_its_counter(company):
    issued(company)
    branch = actions.create_series(
        SYSTEM,
        company,
        group="tax",
        name="Клон Варна",
        range_start=2_000_000_001,
        range_end=2_999_999_999,
    )
    on_branch = draft(company, series=branch)
    actions.deactivate_series(SYSTEM, branch)
    with pytest.raises(InvalidInput) as refused:
        actions.issue_document(SYSTEM, on_branch)
    assert "Клон Варна" in refused.value.errors["series"][0]
    assert NumberSeries.objects.get(pk=branch.pk).next_number == 2_000_000_001
    assert Document.objects.get(pk=on_branch.pk).number is None


def test_the_series_keeps_the_latest_date_and_same_day_issues_pass(company):
    day = dt.date(2026, 11, 18)
    for offset in (0, 1, 1):
        date = day + dt.timedelta(days=offset)
        issued(company, issue_date=date, tax_event_date=date, today=TODAY)
    series = NumberSeries.objects.get(company=company, group="tax", is_default=True)
    assert series.next_number == 4
    assert series.last_issue_date == dt.date(2026, 11, 19)


def test_a_draft_changed_after_the_caller_read_it_is_issued_as_it_is_now(company):
    first, second = (
        bg_client(company, name="Първи ООД"),
        bg_client(company, name="Втори ООД", email="office@vtori.example.bg"),
    )
    notifications.set_party_auto_send(SYSTEM, second, "always")
    stale = draft(company, party=first, lines=[line("100")])
    actions.update_draft(
        SYSTEM,
        Document.objects.select_related("company").get(pk=stale.pk),
        inputs.draft(party=second, lines=[line("200")]),
    )
    invoice = actions.issue_document(SYSTEM, stale).document
    assert invoice.recipient_name == "Втори ООД"
    assert invoice.base == Decimal("200.00")
    # the auto-send choice is the new client's, not the one the caller's copy named
    assert OutboxMessage.objects.filter(company=company, kind="email", document=invoice).exists()
    entry = AuditEntry.objects.get(action="issue_document", object_id=str(invoice.pk))
    assert entry.pk and entry.changes["number"] == [None, "0000000001"]
