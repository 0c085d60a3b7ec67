"""The daily reminder run over simulated days (time-machine): each level once, missed days
caught up, two workers on one day, payments / credit notes / pauses stop reminders, preview
equals what is sent."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal

import pytest
import time_machine
from django.db import connection

from xfinances.invoicing import actions as invoicing
from xfinances.invoicing.tests.factories import bg_client
from xfinances.notifications.models import OutboxMessage
from xfinances.parties.models import PartyContact
from xfinances.payments import actions, queries, tasks
from xfinances.payments.models import ReminderRun, ReminderSent, RunKind
from xfinances.payments.tests.factories import DAY, SYSTEM, invoice, payment

DUE = DAY + dt.timedelta(days=14)


def at(offset: int, hour: int = 9) -> dt.datetime:
    day = DUE + dt.timedelta(days=offset)
    return dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=dt.UTC)


def reminders() -> list[tuple[dt.date, str, tuple[str, ...]]]:
    rows = OutboxMessage.objects.filter(payload__purpose="reminder").order_by("id")
    return [(m.created_at.date(), m.subject, tuple(m.recipients)) for m in rows]


def live_days(offsets) -> dict[int, int]:
    """Let the worker's periodic job run at 09:00 on each day; {day offset: e-mails queued}."""
    queued = {}
    for offset in offsets:
        with time_machine.travel(at(offset), tick=False):
            count = tasks.run_due_reminders()
        if count:
            queued[offset] = count
    return queued


@pytest.fixture
def setup(company):
    levels = actions.ensure_default_levels(SYSTEM, company)
    client = bg_client(company, email="acc@client.bg")
    PartyContact.objects.create(
        company=company,
        party=client,
        name="Счетоводство",
        email="pay@client.bg",
        receives_reminders=True,
    )
    document = invoice(company, client, "100.00", due=DUE)
    return levels, client, document


def test_each_level_reaches_the_client_once_on_its_day(company, setup):
    _levels, _client, document = setup
    queued = live_days(range(-10, 60))
    assert queued == {-3: 1, 3: 1, 15: 1, 30: 1, 45: 1}  # one e-mail per client per run
    sent = ReminderSent.objects.filter(document=document).order_by("run_date")
    assert [(r.level.days_after_due, r.run_date - DUE) for r in sent] == [
        (d, dt.timedelta(days=d)) for d in (-3, 3, 15, 30, 45)
    ]
    mails = reminders()
    assert mails[0][2] == ("pay@client.bg",)  # the contact who receives reminders
    assert "Reminder" in mails[0][1] or "Напомняне" in mails[0][1]
    assert (
        document.number
        in OutboxMessage.objects.filter(payload__purpose="reminder").first().payload["text"]
    )


def test_three_missed_days_catch_up_once(company, setup):
    _levels, _client, document = setup
    queued = live_days([*range(-5, 3), *range(6, 20)])  # the worker was down on days 3, 4 and 5
    # level +15 keeps its 12-day interval after +3, which went out late on day 6: day 18
    queued_later = live_days(range(20, 21))
    assert queued == {-3: 1, 6: 1, 18: 1} and queued_later == {}
    sent = ReminderSent.objects.filter(document=document)
    assert sorted(r.level.days_after_due for r in sent) == [-3, 3, 15]


def test_levels_due_together_send_one_level_at_a_time(company, setup):
    _levels, _client, document = setup
    assert live_days([20]) == {20: 1}
    rows = {
        r.level.days_after_due: r.superseded for r in ReminderSent.objects.filter(document=document)
    }
    assert rows == {-3: True, 3: False}  # "before the due date" no longer applies: skipped
    assert len(reminders()) == 1


def test_jumping_to_the_highest_level_when_the_company_chose_it(company, setup):
    _levels, _client, document = setup
    actions.update_payment_settings(
        SYSTEM, company, actions.PaymentSettingsInput.read_changes({"reminder_catch_up": "latest"})
    )
    assert live_days([20]) == {20: 1}
    rows = {
        r.level.days_after_due: r.superseded for r in ReminderSent.objects.filter(document=document)
    }
    assert rows == {-3: True, 3: True, 15: False}
    assert len(reminders()) == 1


def test_two_workers_on_the_same_day_send_each_email_once(company, setup):
    with time_machine.travel(at(3), tick=False):
        first = actions.run_reminders(SYSTEM, company, at(3).date())
        second = actions.run_reminders(SYSTEM, company, at(3).date())
        assert tasks.run_due_reminders() == 0
    assert first is not None and first.emails == 1 and second is None
    assert len(reminders()) == 1
    # a manual "send now" the same day finds nothing new
    manual = actions.run_reminders(SYSTEM, company, at(3).date(), kind=RunKind.MANUAL)
    assert manual is not None and manual.emails == 0
    assert len(reminders()) == 1


def test_payment_credit_note_and_pause_stop_reminders(company, setup):
    _levels, client, document = setup
    other = invoice(company, client, "50.00", due=DUE)
    third = invoice(company, bg_client(company, name="Пауза ООД", email="p@p.bg"), "70.00", due=DUE)
    with time_machine.travel(at(0), tick=False):
        actions.allocate(SYSTEM, payment(company, client, "100.00"), [(document, None)])
        invoicing.create_credit_note(SYSTEM, other, reason="отказ", issue=True, today=DAY)
        actions.pause_reminders(
            SYSTEM, company, reason="разговор", until=at(20).date(), party=third.party
        )
    queued = live_days(range(1, 21))
    assert queued == {}  # paid, credited in full, paused
    assert live_days([30]) == {30: 1}  # the pause ended: the third client gets the 30-day level
    assert ReminderSent.objects.filter(document=third, superseded=False).count() == 1


def test_preview_shows_exactly_what_the_run_sends(company, setup):
    _levels, client, _document = setup
    invoice(company, client, "40.00", due=DAY)  # due on its issue day: 17 days overdue
    planned, _levels = queries.reminder_plan(company, at(3).date())
    expected = {(r.document_id, r.level_id, r.superseded) for r in planned.records}
    result = actions.run_reminders(SYSTEM, company, at(3).date())
    recorded = set(
        ReminderSent.objects.filter(run=result.run).values_list(
            "document_id", "level_id", "superseded"
        )
    )
    assert expected == recorded and result.emails == len(planned.emails) == 1
    text = OutboxMessage.objects.get(payload__purpose="reminder").payload["text"]
    assert "140,00 EUR" in text  # both overdue documents in one e-mail


def test_responsible_employee_gets_the_final_notice(company, setup, make_member):
    _levels, client, _document = setup
    user = make_member(company, "sales", "sales-person@example.bg")
    client.responsible = user
    client.save()
    actions.update_payment_settings(
        SYSTEM, company, actions.PaymentSettingsInput.read_changes({"reminder_catch_up": "latest"})
    )
    live_days([50])
    recipients = {r for _d, _s, rs in reminders() for r in rs}
    assert recipients == {"pay@client.bg", "sales-person@example.bg"}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_workers_in_threads_on_postgresql(make_company):
    if connection.vendor != "postgresql":
        pytest.skip("NEEDS POSTGRESQL: set DATABASE_URL=postgres://… to run this test")
    company = make_company()
    actions.ensure_default_levels(SYSTEM, company)
    clients = [bg_client(company, name=f"Клиент {i}", email=f"c{i}@x.bg") for i in range(20)]
    for client in clients:
        invoice(company, client, "10.00", due=DUE)
    results = []

    def work() -> None:
        try:
            results.append(actions.run_reminders(SYSTEM, company, at(3).date()))
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(1 for r in results if r is not None) == 1
    assert OutboxMessage.objects.filter(company=company, payload__purpose="reminder").count() == 20
    assert ReminderRun.objects.filter(company=company).count() == 1
    assert Decimal(0) == 0
