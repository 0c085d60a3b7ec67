"""Reopening a closed period (owners only, with a reason, audited); editing categories;
the transfer history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict, InvalidInput, NotAllowed
from xfinances.core.models import AuditEntry
from xfinances.treasury import actions, queries
from xfinances.treasury.models import CashflowCategory, TreasuryPeriodClose
from xfinances.treasury.tests.factories import (
    SYSTEM,
    bank_account,
    cash_register,
    money_in,
    transfer_input,
)

D = dt.date


@pytest.fixture
def closed(company):
    bank = bank_account(company)
    movement = money_in(bank, "100.00", D(2026, 1, 15))
    close = actions.close_period(SYSTEM, company, closed_until=D(2026, 1, 31))
    return bank, movement, close


def test_owner_reopens_with_a_reason_and_it_is_audited(company, closed, make_member):
    bank, movement, close = closed
    owner = make_member(company, "owner")
    with pytest.raises(InvalidInput) as refused:
        actions.reopen_period(Actor(owner), close, reason="  ")
    assert "reason" in refused.value.errors
    actions.reopen_period(Actor(owner), close, reason="грешна дата на извлечение")
    close.refresh_from_db()
    assert close.reopened_by == owner and close.reopened_at is not None
    assert queries.lock_date(company, bank) is None
    actions.update_movement(
        SYSTEM, movement, actions.MovementEditInput.read_changes({"amount": "90.00"})
    )  # editable again
    entry = AuditEntry.objects.get(company=company, action="reopen_period")
    assert entry.reason == "грешна дата на извлечение" and entry.user_id == owner.pk
    with pytest.raises(Conflict):
        actions.reopen_period(Actor(owner), close, reason="again")
    # The period can be closed again at the same day.
    actions.close_period(SYSTEM, company, closed_until=D(2026, 1, 31))
    assert queries.lock_date(company, bank) == D(2026, 1, 31)


def test_accountant_cannot_reopen(company, closed, make_member, client_as):
    _, _, close = closed
    accountant = make_member(company, "accountant")
    with pytest.raises(NotAllowed):
        actions.reopen_period(Actor(accountant), close, reason="x")
    client = client_as(company, "accountant")
    answer = client.post(f"/c/{company.eik}/treasury/periods/{close.pk}/reopen/", {"reason": "x"})
    assert answer.status_code == 403
    close.refresh_from_db()
    assert close.reopened_at is None


def test_reopen_page_and_api(company, closed, client_as, api_as):
    _, _, close = closed
    client = client_as(company, "owner")
    client.post(f"/c/{company.eik}/treasury/periods/{close.pk}/reopen/", {"reason": "поправка"})
    close.refresh_from_db()
    assert close.reopen_reason == "поправка"
    second = actions.close_period(SYSTEM, company, closed_until=D(2026, 1, 31))
    refused = api_as(company, "accountant").post(
        f"/treasury/periods/{second.pk}/reopen", {"reason": "x"}
    )
    assert refused.status_code == 403
    done = api_as(company, "owner").post(f"/treasury/periods/{second.pk}/reopen", {"reason": "y"})
    assert done.status_code == 200 and done.json()["reason"] == "y"
    assert (
        TreasuryPeriodClose.objects.filter(company=company, reopened_at__isnull=True).count() == 0
    )


def test_category_rename_move_and_deactivate(company, client_as):
    bank = bank_account(company)
    rent = CashflowCategory.objects.get(company=company, code="rent")
    other = CashflowCategory.objects.get(company=company, code="other")
    movement = money_in(bank, "10.00", D(2026, 2, 1), category=rent)
    actions.update_category(
        SYSTEM, rent, actions.CategoryInput.changes(name="Наем офис", parent=other)
    )
    with pytest.raises(InvalidInput) as refused:
        actions.update_category(SYSTEM, other, actions.CategoryInput.changes(parent=rent))
    assert "parent" in refused.value.errors
    client = client_as(company, "accountant")
    client.post(
        f"/c/{company.eik}/treasury/categories/{rent.pk}/",
        {"name": "Наем офис", "parent": other.pk},  # is_active unchecked
    )
    rent.refresh_from_db()
    assert not rent.is_active and rent.parent == other
    with pytest.raises(InvalidInput) as refused:
        money_in(bank, "1.00", D(2026, 2, 2), category=rent)
    assert "category" in refused.value.errors
    # A movement keeps its (now inactive) category when edited.
    actions.update_movement(
        SYSTEM,
        movement,
        actions.MovementEditInput.read_changes({"category": rent, "description": "x"}),
    )
    assert AuditEntry.objects.filter(company=company, action="update_category").count() == 2
    assert rent not in queries.categories(company)


def test_category_api_and_viewer_refused(company, client_as, api_as):
    bank_account(company)
    rent = CashflowCategory.objects.get(company=company, code="rent")
    answer = api_as(company, "accountant").patch(
        f"/treasury/categories/{rent.pk}", {"is_active": False}
    )
    assert answer.status_code == 200 and answer.json()["is_active"] is False
    viewer = client_as(company, "viewer")
    assert (
        viewer.post(f"/c/{company.eik}/treasury/categories/{rent.pk}/", {"name": "x"}).status_code
        == 403
    )


def test_transfer_history(company, client_as, api_as):
    bank = bank_account(company, opening_balance="500.00")
    cash = cash_register(company)
    t1 = actions.create_transfer(
        SYSTEM,
        company,
        transfer_input(from_account=bank, to_account=cash, date=D(2026, 1, 5), amount="40.00"),
    )
    t2 = actions.create_transfer(
        SYSTEM,
        company,
        transfer_input(from_account=cash, to_account=bank, date=D(2026, 2, 5), amount="15.00"),
    )
    page = client_as(company, "accountant").get(f"/c/{company.eik}/treasury/transfers/")
    assert [t.pk for t in page.context["page"]] == [t2.pk, t1.pk]
    filtered = client_as(company, "accountant").get(
        f"/c/{company.eik}/treasury/transfers/", {"date_to": "2026-01-31"}
    )
    assert [t.pk for t in filtered.context["page"]] == [t1.pk]
    data = api_as(company, "accountant").get("/treasury/transfers").json()
    assert data["count"] == 2 and Decimal(data["items"][0]["amount_from"]) == Decimal("15.00")
    assert len(data["items"][0]["movement_ids"]) == 2
