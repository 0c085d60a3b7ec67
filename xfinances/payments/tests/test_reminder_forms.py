"""Pages: pausing and lifting reminders, adding and deleting levels, recording a payment into a
company money account; a viewer cannot do any of it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from xfinances.core.models import User
from xfinances.invoicing.tests.factories import bg_client
from xfinances.payments import actions
from xfinances.payments.models import DunningLevel, DunningPause, Payment, ReminderRun, ReminderSent
from xfinances.payments.tests.factories import SYSTEM, invoice
from xfinances.treasury import actions as treasury_actions
from xfinances.treasury.models import Movement

pytestmark = pytest.mark.django_db


def _english(web):
    """The signed-in user reads the pages in English (messages compared in their source form)."""
    User.objects.filter(pk=int(web.session["_auth_user_id"])).update(language="en")
    return web


def _base(company) -> str:
    return f"/c/{company.eik}/payments"


def test_pause_a_client_and_a_document_then_lift_it(company, client_as):
    web = client_as(company, "accountant")
    debtor = bg_client(company, name="Бавен Платец ООД")
    document = invoice(company, debtor, "100.00")
    page = web.get(f"{_base(company)}/reminders/").content.decode()
    assert 'id="pause-form"' in page and "Бавен Платец ООД" in page and document.number in page
    until = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    web.post(
        f"{_base(company)}/reminders/pauses/new/",
        {"party": debtor.pk, "reason": "Разсрочване", "until": until},
    )
    pause = DunningPause.objects.get(company=company)
    assert pause.party == debtor and pause.reason == "Разсрочване" and pause.ended_at is None
    web.post(
        f"{_base(company)}/reminders/pauses/new/",
        {"document": document.pk, "reason": "Спор", "until": until},
    )
    assert DunningPause.objects.filter(company=company, document=document).exists()
    web.post(f"{_base(company)}/reminders/pauses/{pause.pk}/end/")
    pause.refresh_from_db()
    assert pause.ended_at is not None


def test_a_pause_without_reason_or_with_a_past_date_changes_nothing(company, client_as):
    web = _english(client_as(company, "owner"))
    debtor = bg_client(company)
    url = f"{_base(company)}/reminders/pauses/new/"
    future = (timezone.localdate() + dt.timedelta(days=3)).isoformat()
    response = web.post(url, {"party": debtor.pk, "reason": "", "until": future}, follow=True)
    assert response.status_code == 200 and "Say why reminders are paused" in response.text
    past = (timezone.localdate() - dt.timedelta(days=1)).isoformat()
    response = web.post(url, {"party": debtor.pk, "reason": "x", "until": past}, follow=True)
    assert "The end date is in the past" in response.text
    response = web.post(url, {"party": "999999", "reason": "x", "until": future}, follow=True)
    assert "Choose a client or a document" in response.text
    assert not DunningPause.objects.filter(company=company).exists()


def test_add_a_level_and_delete_it_unless_it_was_sent(company, client_as):
    # A new company gets the default levels; this test starts from a company without any.
    DunningLevel.objects.filter(company=company).delete()
    web = _english(client_as(company, "owner"))
    assert 'id="add-level"' in web.get(f"{_base(company)}/reminders/").text
    form = web.get(f"{_base(company)}/reminders/levels/new/")
    assert form.status_code == 200 and "New reminder level" in form.text
    data = {
        "name": "Последно напомняне",
        "days_after_due": "60",
        "subject_bg": "Напомняне {company}",
        "body_bg": "Уважаеми {client}, {documents}",
        "subject_en": "Reminder {company}",
        "body_en": "Dear {client}, {documents}",
        "fee": "5.00",
        "recipients": "both",
        "is_active": "on",
    }
    web.post(f"{_base(company)}/reminders/levels/new/", data)
    level = DunningLevel.objects.get(company=company)
    assert level.days_after_due == 60 and level.fee == Decimal("5.00") and level.is_active
    # A second level on the same day is refused and nothing is added.
    response = web.post(f"{_base(company)}/reminders/levels/new/", data)
    assert response.status_code == 200 and "already sent on that day" in response.text
    assert DunningLevel.objects.filter(company=company).count() == 1
    # Sent once: it stays (history) and the page says to deactivate it.
    debtor = bg_client(company)
    document = invoice(company, debtor, "10.00")
    run = ReminderRun.objects.create(company=company, run_date=timezone.localdate())
    sent = ReminderSent.objects.create(
        company=company,
        level=level,
        document=document,
        party=debtor,
        run=run,
        run_date=run.run_date,
    )
    response = web.post(f"{_base(company)}/reminders/levels/{level.pk}/delete/", follow=True)
    assert "deactivate it instead" in response.text
    assert DunningLevel.objects.filter(pk=level.pk).exists()
    sent.delete()
    web.post(f"{_base(company)}/reminders/levels/{level.pk}/delete/")
    assert not DunningLevel.objects.filter(pk=level.pk).exists()


def test_record_a_payment_into_a_money_account(company, client_as):
    account = treasury_actions.create_account(
        SYSTEM,
        company,
        treasury_actions.AccountInput.read(
            {
                "kind": "bank",
                "name": "Основна сметка",
                "currency": "EUR",
                "iban": "BG69UNCR70000015123456",
                "opening_balance": "1000.00",
                "opening_date": timezone.localdate() - dt.timedelta(days=30),
            }
        ),
    )
    web = client_as(company, "accountant")
    debtor = bg_client(company, name="Платец АД")
    page = web.get(f"{_base(company)}/list/").text
    assert "Основна сметка" in page
    response = web.post(
        f"{_base(company)}/new/",
        {
            "direction": "in",
            "date": timezone.localdate().isoformat(),
            "amount": "250.00",
            "currency": "EUR",
            "party": debtor.pk,
            "account": account.pk,
            "bank_reference": "REF-1",
        },
    )
    paid = Payment.objects.get(company=company)
    assert response.status_code == 302 and paid.source == "bank"
    movement = Movement.objects.get(pk=paid.movement_id)
    assert movement.account_id == account.pk and movement.amount == Decimal("250.00")
    # Another company's account (or a made-up id) is refused, nothing recorded.
    web.post(
        f"{_base(company)}/new/",
        {
            "direction": "in",
            "date": timezone.localdate().isoformat(),
            "amount": "5",
            "account": "999999",
        },
    )
    assert Payment.objects.filter(company=company).count() == 1


def test_a_viewer_gets_403_on_every_new_form(company, client_as):
    debtor = bg_client(company)
    level = DunningLevel.objects.filter(company=company).first()  # one of the defaults
    assert level is not None
    levels_before = DunningLevel.objects.filter(company=company).count()
    pause = actions.pause_reminders(
        SYSTEM, company, party=debtor, reason="x", until=timezone.localdate()
    )
    web = client_as(company, "viewer")
    base = _base(company)
    until = timezone.localdate().isoformat()
    for url, data in [
        (f"{base}/reminders/pauses/new/", {"party": debtor.pk, "reason": "x", "until": until}),
        (f"{base}/reminders/pauses/{pause.pk}/end/", {}),
        (f"{base}/reminders/levels/new/", {"name": "N", "days_after_due": "9"}),
        (f"{base}/reminders/levels/{level.pk}/delete/", {}),
        (f"{base}/new/", {"direction": "in", "date": until, "amount": "1"}),
    ]:
        assert web.post(url, data).status_code == 403, url
    assert DunningLevel.objects.filter(company=company).count() == levels_before
    assert DunningPause.objects.filter(company=company, ended_at__isnull=True).count() == 1
    assert not Payment.objects.filter(company=company).exists()
    page = web.get(f"{base}/reminders/").text
    assert 'id="pause-form"' not in page and 'id="add-level"' not in page
