"""Recurring invoices: schedules (the 31st across February, quarterly, yearly), one invoice per
period whatever the worker does (twice in a row, in parallel, after downtime), pause, end,
drafts that could not be issued, and the actions' validation."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
import time_machine
from django.db import connection

from xfinances.core.exceptions import InvalidInput
from xfinances.core.models import AuditEntry
from xfinances.invoicing import actions, inputs, schedule
from xfinances.invoicing.models import Document, DocumentStatus, RecurringInvoice, RecurringRun
from xfinances.invoicing.tests.factories import SYSTEM, bg_client, line

D = dt.date


def _at(day: dt.date) -> time_machine.travel:
    return time_machine.travel(dt.datetime(day.year, day.month, day.day, 9, 0), tick=False)


def _template(company, **overrides) -> RecurringInvoice:
    data = {
        "name": "Поддръжка",
        "party": bg_client(company),
        "lines": [line("100.00", description="Абонамент")],
        "schedule": "monthly",
        "day_of_month": 1,
        "start_date": D(2026, 1, 1),
    }
    data.update(overrides)
    return actions.create_recurring(SYSTEM, company, inputs.recurring(**data))


def _documents(template: RecurringInvoice) -> list[Document]:
    ids = RecurringRun.objects.filter(template=template).values_list("document_id", flat=True)
    return list(Document.objects.filter(pk__in=ids).order_by("tax_event_date"))


# --- pure dates --------------------------------------------------------------------------------


def test_the_31st_falls_on_the_last_day_of_short_months_and_comes_back():
    assert schedule.periods_between(D(2026, 1, 31), "monthly", 31, D(2026, 5, 31)) == [
        D(2026, 1, 31),
        D(2026, 2, 28),
        D(2026, 3, 31),
        D(2026, 4, 30),
        D(2026, 5, 31),
    ]
    assert schedule.next_period(D(2028, 1, 31), "monthly", 31) == D(2028, 2, 29)  # leap year
    assert schedule.period_end(D(2026, 1, 31), "monthly", 31) == D(2026, 2, 27)


def test_quarterly_and_yearly_steps_and_first_period_after_start():
    assert schedule.periods_between(D(2026, 1, 15), "quarterly", 15, D(2027, 1, 15)) == [
        D(2026, 1, 15),
        D(2026, 4, 15),
        D(2026, 7, 15),
        D(2026, 10, 15),
        D(2027, 1, 15),
    ]
    assert schedule.next_period(D(2028, 2, 29), "yearly", 29) == D(2029, 2, 28)
    assert schedule.first_period(D(2026, 3, 20), "monthly", 5) == D(2026, 4, 5)
    assert schedule.first_period(D(2026, 3, 2), "monthly", 5) == D(2026, 3, 5)


# --- runs --------------------------------------------------------------------------------------

pytestmark = pytest.mark.django_db


def test_monthly_on_the_31st_across_february(company):
    template = _template(company, day_of_month=31, start_date=D(2026, 1, 1))
    assert template.next_period_start == D(2026, 1, 31)
    for day in (D(2026, 1, 31), D(2026, 2, 28), D(2026, 3, 31), D(2026, 4, 30)):
        with _at(day):
            assert actions.run_due_recurring() == 1
    documents = _documents(template)
    assert [d.tax_event_date for d in documents] == [
        D(2026, 1, 31),
        D(2026, 2, 28),
        D(2026, 3, 31),
        D(2026, 4, 30),
    ]
    assert [d.issue_date for d in documents] == [d.tax_event_date for d in documents]
    assert all(d.status == DocumentStatus.ISSUED for d in documents)
    assert [d.number for d in documents] == [f"{n:010d}" for n in range(1, 5)]
    assert documents[0].total == Decimal("120.00")
    assert "31.01.2026 – 27.02.2026" in documents[0].notes
    template.refresh_from_db()
    assert template.next_period_start == D(2026, 5, 31)


def test_quarterly_and_yearly_templates_invoice_on_their_days(company):
    quarterly = _template(company, schedule="quarterly", day_of_month=15, start_date=D(2026, 1, 1))
    yearly = _template(company, schedule="yearly", day_of_month=10, start_date=D(2026, 2, 1))
    for day in (D(2026, 1, 15), D(2026, 2, 10), D(2026, 4, 15), D(2026, 7, 15), D(2027, 1, 15)):
        with _at(day):
            actions.run_due_recurring()
    # 2027-01-15 also catches up 2026-10-15 (the worker was not called then).
    assert [d.tax_event_date for d in _documents(quarterly)] == [
        D(2026, 1, 15),
        D(2026, 4, 15),
        D(2026, 7, 15),
        D(2026, 10, 15),
        D(2027, 1, 15),
    ]
    assert [d.tax_event_date for d in _documents(yearly)] == [D(2026, 2, 10)]
    yearly.refresh_from_db()
    assert yearly.next_period_start == D(2027, 2, 10)


def test_running_twice_makes_one_invoice_per_period(company):
    template = _template(company)
    with _at(D(2026, 2, 1)):
        assert actions.run_due_recurring() == 2
        assert actions.run_due_recurring() == 0
        # The period step itself, called again directly for a period already done: nothing.
        step = actions.run_recurring_period(SYSTEM, template)
    assert step.run is None and step.document is None
    assert RecurringRun.objects.filter(template=template).count() == 2
    assert Document.objects.filter(company=company).count() == 2


def test_the_unique_run_refuses_a_period_twice_even_without_the_lock(company):
    template = _template(company)
    with _at(D(2026, 1, 1)):
        actions.run_due_recurring()
    # A stale template row (as a worker without row locks would see it) asks for January again.
    RecurringInvoice.objects.filter(pk=template.pk).update(next_period_start=D(2026, 1, 1))
    with _at(D(2026, 1, 1)):
        step = actions.run_recurring_period(SYSTEM, template)
    assert step.run is None
    assert Document.objects.filter(company=company).count() == 1
    template.refresh_from_db()
    assert template.next_period_start == D(2026, 2, 1)


def test_three_months_down_catches_up_three_periods_in_order_not_more(company):
    template = _template(company, day_of_month=15, start_date=D(2026, 1, 15))
    with _at(D(2026, 1, 15)):
        assert actions.run_due_recurring() == 1
    with _at(D(2026, 4, 20)):  # down since 15 January
        assert actions.run_due_recurring() == 3
        assert actions.run_due_recurring() == 0
    documents = _documents(template)
    assert [d.tax_event_date for d in documents] == [
        D(2026, 1, 15),
        D(2026, 2, 15),
        D(2026, 3, 15),
        D(2026, 4, 15),
    ]
    # Caught-up invoices are issued on the day of the run (never backdated), numbered in order.
    assert [d.issue_date for d in documents[1:]] == [D(2026, 4, 20)] * 3
    assert [d.number for d in documents] == [f"{n:010d}" for n in range(1, 5)]
    runs = list(RecurringRun.objects.filter(template=template).order_by("id"))
    assert [r.period_start for r in runs] == [d.tax_event_date for d in documents]
    assert runs[1].period_end == D(2026, 3, 14)


def test_end_date_pause_and_resume(company):
    template = _template(company, start_date=D(2026, 1, 1), end_date=D(2026, 2, 15))
    with _at(D(2026, 6, 1)):
        assert actions.run_due_recurring() == 2  # January and February only
    other = _template(company, start_date=D(2026, 1, 1))
    actions.pause_recurring(SYSTEM, other)
    with _at(D(2026, 3, 1)):
        assert actions.run_due_recurring() == 0
    with _at(D(2026, 3, 10)):
        actions.pause_recurring(SYSTEM, other, active=True)
    other.refresh_from_db()
    assert other.next_period_start == D(2026, 4, 1)  # paused periods are skipped
    assert (
        AuditEntry.objects.filter(action__in=["pause_recurring", "resume_recurring"]).count() == 2
    )
    assert len(_documents(template)) == 2


def test_without_auto_issue_a_draft_and_a_refused_issue_keeps_the_reason(company):
    drafts = _template(company, auto_issue=False)
    archived = _template(company, name="Архивиран клиент")
    party = archived.party
    party.is_archived = True
    party.save()
    with _at(D(2026, 1, 1)):
        assert actions.run_due_recurring() == 2
    assert _documents(drafts)[0].status == DocumentStatus.DRAFT
    run = RecurringRun.objects.get(template=archived)
    assert run.document is not None and run.document.status == DocumentStatus.DRAFT
    assert run.error.startswith("party_id:")  # the reason names the field
    archived.refresh_from_db()
    assert archived.next_period_start == D(2026, 2, 1)  # the period is not retried every day


def test_auto_send_queues_the_email_once(company):
    from xfinances.notifications.models import OutboxMessage

    template = _template(company, auto_send=True, party=bg_client(company, email="a@example.bg"))
    with _at(D(2026, 1, 1)):
        actions.run_due_recurring()
    run = RecurringRun.objects.get(template=template)
    assert run.sent is True and run.error == ""
    assert OutboxMessage.objects.filter(document=run.document).count() == 1


def test_create_validates_every_field_at_once(company):
    with pytest.raises(InvalidInput) as refused:
        actions.create_recurring(
            SYSTEM,
            company,
            inputs.recurring(
                name="",
                party_id=None,
                lines=[{"description": "x", "unit_price": "abc", "vat_treatment": "standard"}],
                schedule="weekly",
                day_of_month=32,
                start_date=D(2026, 3, 1),
                end_date=D(2026, 2, 1),
            ),
        )
    assert {
        "name",
        "party_id",
        "lines.1.unit_price",
        "schedule",
        "day_of_month",
        "end_date",
    } <= set(refused.value.errors)
    assert not RecurringInvoice.objects.filter(company=company).exists()


def test_update_moves_the_next_period_but_never_back_over_invoiced_ones(company):
    template = _template(company, day_of_month=1)
    with _at(D(2026, 2, 1)):
        actions.run_due_recurring()
    template = actions.update_recurring(
        SYSTEM, template, inputs.recurring(day_of_month=20, name="Нов")
    )
    # January 1 and February 1 are invoiced; the next 20th after them is 20 February.
    assert template.next_period_start == D(2026, 2, 20)
    assert AuditEntry.objects.filter(action="update_recurring").exists()
    actions.delete_recurring(SYSTEM, template)
    assert Document.objects.filter(company=company).count() == 2  # the invoices stay


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_in_parallel_make_one_invoice_per_period(company, settings):
    if connection.vendor != "postgresql":
        pytest.skip(
            "NEEDS POSTGRESQL: set DATABASE_URL=postgres://… to run the parallel recurring test"
        )
    settings.INVOICING_RENDER_PDF = False
    template = _template(company, day_of_month=10, start_date=D(2026, 1, 10))
    barrier = threading.Barrier(2)
    made: list[int] = []
    failures: list[BaseException] = []

    def worker() -> None:
        try:
            barrier.wait()
            made.append(actions.run_due_recurring(D(2026, 4, 10)))
        except BaseException as error:
            failures.append(error)
        finally:
            connection.close()

    with _at(D(2026, 4, 10)):
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
    assert not failures, failures
    assert sum(made) == 4
    assert [d.tax_event_date for d in _documents(template)] == [
        D(2026, 1, 10),
        D(2026, 2, 10),
        D(2026, 3, 10),
        D(2026, 4, 10),
    ]
    assert RecurringRun.objects.filter(template=template).count() == 4
