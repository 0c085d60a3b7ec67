"""Reminders escalate one level at a time, over 90 simulated days (time-machine): each client
gets the first level that applies, then the next after its own interval, never the last
level on a first run; one e-mail per client per run. Level names and "before the due date"
read right in Bulgarian."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import time_machine
from django.utils import translation

from xfinances.invoicing.tests.factories import bg_client
from xfinances.notifications.models import OutboxMessage
from xfinances.payments import actions, tasks
from xfinances.payments.models import ReminderSent
from xfinances.payments.tests.factories import DAY, SYSTEM, invoice

START = DAY + dt.timedelta(days=60)  # the first day the worker runs the reminders


def _run_days(days: int) -> dict[dt.date, int]:
    queued: dict[dt.date, int] = {}
    for offset in range(days + 1):
        day = START + dt.timedelta(days=offset)
        moment = dt.datetime(day.year, day.month, day.day, 9, 0, tzinfo=dt.UTC)
        with time_machine.travel(moment, tick=False):
            count = tasks.run_due_reminders()
        if count:
            queued[day] = count
    return queued


def _sent(document) -> list[tuple[int, int]]:
    """(level's days after due, day offset from START) of the reminders really sent."""
    rows = ReminderSent.objects.filter(document=document, superseded=False).order_by("run_date")
    return [(r.level.days_after_due, (r.run_date - START).days) for r in rows]


def test_each_client_climbs_one_level_at_a_time_over_90_days(company):
    actions.ensure_default_levels(SYSTEM, company)  # -3, +3, +15, +30, +45
    on_time = bg_client(company, email="a@client.bg")
    late = bg_client(company, email="b@client.bg")
    later = bg_client(company, email="c@client.bg")
    b = invoice(company, late, "100.00", day=DAY, due=START - dt.timedelta(days=46))
    a = invoice(company, on_time, "100.00", day=START, due=START + dt.timedelta(days=10))
    c = invoice(company, later, "100.00", day=START, due=START + dt.timedelta(days=30))
    queued = _run_days(90)
    assert _sent(a) == [(-3, 7), (3, 13), (15, 25), (30, 40), (45, 55)]
    # 46 days overdue on the first run: the first overdue level, not the final notice; then
    # each next level after its own interval (12, 15, 15 days).
    assert _sent(b) == [(3, 0), (15, 12), (30, 27), (45, 42)]
    assert _sent(c) == [(-3, 27), (3, 33), (15, 45), (30, 60), (45, 75)]
    # one e-mail per client per run
    mails = OutboxMessage.objects.filter(payload__purpose="reminder")
    per_run = Counter((m.created_at.date(), tuple(m.recipients)) for m in mails)
    assert per_run and max(per_run.values()) == 1
    assert sum(queued.values()) == mails.count() >= 14


def test_the_first_level_reads_before_the_due_date_in_bulgarian(company):
    levels = actions.ensure_default_levels(SYSTEM, company)
    with translation.override("bg"):
        assert levels[0].when_label == "3 дни преди падежа"
        assert levels[1].when_label == "3 дни след падежа"
        assert levels[0].display_name == "Приятелско напомняне"
    with translation.override("en"):
        assert levels[0].when_label == "3 days before the due date"
        assert levels[-1].display_name == "Final notice"


def test_jumping_to_the_latest_level_is_a_setting(company):
    actions.ensure_default_levels(SYSTEM, company)
    actions.update_payment_settings(
        SYSTEM, company, actions.PaymentSettingsInput.read_changes({"reminder_catch_up": "latest"})
    )
    late = bg_client(company, email="b@client.bg")
    b = invoice(company, late, "100.00", day=DAY, due=START - dt.timedelta(days=46))
    _run_days(0)
    assert _sent(b) == [(45, 0)]
