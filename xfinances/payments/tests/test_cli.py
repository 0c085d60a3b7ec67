"""`xfinances run-reminders`: the run of a day, the dry-run preview, roles, bad input."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from xfinances.invoicing.tests.factories import bg_client
from xfinances.notifications.models import OutboxMessage
from xfinances.payments import actions
from xfinances.payments.models import ReminderRun, ReminderSent
from xfinances.payments.tests.factories import DAY, SYSTEM, invoice

pytestmark = pytest.mark.django_db
DUE = DAY + dt.timedelta(days=14)
RUN_DAY = (DUE + dt.timedelta(days=3)).isoformat()


@pytest.fixture
def overdue(company):
    actions.ensure_default_levels(SYSTEM, company)
    client = bg_client(company, name="Бета ЕООД", email="acc@beta.bg")
    return invoice(company, client, "100.00", due=DUE)


def run(*args: str) -> str:
    out = StringIO()
    call_command("run-reminders", *args, stdout=out)
    return out.getvalue()


def test_dry_run_prints_the_preview_and_sends_nothing(company, overdue):
    text = run("--company", company.eik, "--date", RUN_DAY, "--dry-run")
    assert "Бета ЕООД" in text and overdue.number in text and "100.00 EUR" in text
    assert "3 days overdue" in text and "1 e-mails would be sent" in text
    assert not OutboxMessage.objects.filter(company=company).exists()
    assert not ReminderRun.objects.filter(company=company).exists()


def test_run_sends_once_per_day(company, overdue):
    assert "1 e-mails queued" in run("--company", company.eik, "--date", RUN_DAY)
    assert ReminderSent.objects.filter(document=overdue, superseded=False).count() == 1
    assert "already made" in run("--company", company.eik, "--date", RUN_DAY)
    assert OutboxMessage.objects.filter(payload__purpose="reminder").count() == 1


def test_role_applies_with_user_and_bad_input_is_named(company, overdue, make_member):
    viewer = make_member(company, "viewer")
    with pytest.raises(CommandError, match="role"):
        run("--company", company.eik, "--user", viewer.email, "--date", RUN_DAY)
    assert not ReminderRun.objects.filter(company=company).exists()
    with pytest.raises(CommandError, match="--date"):
        run("--company", company.eik, "--date", "tomorrow")
    with pytest.raises(CommandError, match="ЕИК"):
        run("--company", "000000000")
