"""The transition table and the lock rules (pure), and the locks applied to real documents."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.utils import translation

from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.models import AuditEntry
from xfinances.invoicing import actions, inputs, lifecycle
from xfinances.invoicing.exceptions import DocumentLocked
from xfinances.invoicing.lifecycle import LockCause
from xfinances.invoicing.models import Document
from xfinances.invoicing.tests.factories import SYSTEM, issued

DAY = dt.date(2026, 11, 10)


@pytest.mark.parametrize(
    ("status", "transition", "allowed", "to"),
    [
        ("draft", "issue", True, "issued"),
        ("draft", "delete", True, "deleted"),
        ("draft", "void", False, None),
        ("draft", "edit", False, None),
        ("issued", "issue", False, None),
        ("issued", "delete", False, None),
        ("issued", "void", True, "voided"),
        ("issued", "edit", True, "issued"),
        ("voided", "issue", False, None),
        ("voided", "delete", False, None),
        ("voided", "void", False, None),
        ("voided", "edit", False, None),
    ],
)
def test_transition_table(status, transition, allowed, to):
    assert lifecycle.can_transition(status, transition) is allowed
    if allowed:
        assert lifecycle.next_status(status, transition) == to
    else:
        with pytest.raises(ValueError):
            lifecycle.next_status(status, transition)


def _state(**overrides):
    values = {
        "status": "issued",
        "issue_date": DAY,
        "exported": False,
        "lock_date": None,
        "edit_window_days": 30,
        "today": DAY + dt.timedelta(days=3),
    }
    values.update(overrides)
    return lifecycle.lock_state(**values)


def test_lock_rules_pure():
    assert not _state().locked
    assert _state(exported=True).cause is LockCause.EXPORTED
    assert _state(lock_date=DAY).cause is LockCause.PERIOD_CLOSED
    assert not _state(lock_date=DAY - dt.timedelta(days=1)).locked
    assert not _state(today=DAY + dt.timedelta(days=30)).locked
    assert _state(today=DAY + dt.timedelta(days=31)).cause is LockCause.EDIT_WINDOW
    assert _state(edit_window_days=0, today=DAY).cause is LockCause.EDIT_WINDOW
    assert not _state(status="draft", exported=True).locked  # drafts never lock


def test_issuing_deadline():
    assert lifecycle.issuing_deadline(dt.date(2026, 3, 2), False) == dt.date(2026, 3, 7)
    assert lifecycle.issuing_deadline(dt.date(2026, 3, 2), True) == dt.date(2026, 4, 15)
    assert lifecycle.issuing_deadline(dt.date(2026, 12, 20), True) == dt.date(2027, 1, 15)


@pytest.mark.django_db
def test_edit_window_locks_with_time(company):
    with time_machine.travel(dt.datetime(2026, 11, 10, 10, tzinfo=dt.UTC), tick=False):
        invoice = issued(company)
    with time_machine.travel(dt.datetime(2026, 12, 10, 10, tzinfo=dt.UTC), tick=False):
        assert not lifecycle.is_locked(invoice, dt.date.today())
        actions.edit_issued_document(
            SYSTEM, invoice, inputs.draft(notes="ден 30"), reason="уточнение"
        )
    with time_machine.travel(dt.datetime(2026, 12, 11, 10, tzinfo=dt.UTC), tick=False):
        invoice.refresh_from_db()
        assert lifecycle.is_locked(invoice, dt.date.today())
        with pytest.raises(DocumentLocked):
            actions.edit_issued_document(
                SYSTEM, invoice, inputs.draft(notes="ден 31"), reason="късно"
            )
        with pytest.raises(DocumentLocked):
            actions.void_document(SYSTEM, invoice, reason="късно")
    invoice.refresh_from_db()
    assert invoice.notes == "ден 30" and invoice.status == "issued"


@pytest.mark.django_db
def test_exported_document_is_locked(company):
    invoice = issued(company)
    actions.mark_exported(SYSTEM, invoice)
    invoice.refresh_from_db()
    with translation.override("en"), pytest.raises(DocumentLocked) as refused:
        actions.void_document(SYSTEM, invoice, reason="грешка")
    assert "exported" in str(refused.value)
    assert Document.objects.get(pk=invoice.pk).status == "issued"


@pytest.mark.django_db
def test_closed_period_locks(company):
    invoice = issued(company)
    company.lock_date = invoice.issue_date
    company.save()
    invoice = Document.objects.select_related("company").get(pk=invoice.pk)
    with pytest.raises(DocumentLocked):
        actions.edit_issued_document(SYSTEM, invoice, inputs.draft(notes="y"), reason="x")
    assert not AuditEntry.objects.filter(action="edit_issued_document").exists()


@pytest.mark.django_db
def test_draft_transitions_refused_on_issued(company):
    invoice = issued(company)
    with translation.override("en"), pytest.raises(Conflict) as refused:
        actions.delete_draft(SYSTEM, invoice)
    assert "voided instead" in str(refused.value)
    with pytest.raises(Conflict):
        actions.issue_document(SYSTEM, invoice)
    with pytest.raises(InvalidInput):
        actions.void_document(SYSTEM, invoice, reason="  ")
    assert Document.objects.get(pk=invoice.pk).number == invoice.number
