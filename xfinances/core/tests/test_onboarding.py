"""Sign-up for a first company, "new company" for a signed-in user, and the first-steps
checklist on the dashboard, ticked from real data."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from xfinances.core import actions
from xfinances.core.audit import Actor
from xfinances.core.models import Company, Membership, User
from xfinances.core.roles import Role

pytestmark = pytest.mark.django_db

SIGN_UP = {
    "full_name": "Мария Петрова",
    "email": "maria@example.bg",
    "password": "Дълга-парола-2026",
    "name": "Нова Фирма ЕООД",
    "eik": "131468980",
    "city": "Пловдив",
    "address": "ул. Главна 1",
}


def test_a_fresh_install_signs_up_its_first_company_and_shows_the_checklist():
    client = Client(HTTP_ACCEPT_LANGUAGE="bg")
    assert "sign-up-link" in client.get("/login/").content.decode()
    response = client.post("/signup/", SIGN_UP)
    assert response.status_code == 302
    company = Company.objects.get(eik="131468980")
    user = User.objects.get(email="maria@example.bg")
    assert Membership.objects.get(company=company, user=user).role == Role.OWNER
    assert response["Location"] == f"/c/{company.eik}/"
    page = client.get(response["Location"]).content.decode()
    assert 'id="first-steps"' in page and 'id="new-invoice"' in page
    for step in ("company", "bank_account", "client", "invoice", "email", "accountant"):
        assert f'data-step="{step}" data-done="0"' in page, step


def test_sign_up_is_closed_once_a_company_exists_unless_allowed(company):
    client = Client()
    assert client.get("/signup/").status_code == 404
    assert "sign-up-link" not in client.get("/login/").content.decode()
    with override_settings(XFINANCES_ALLOW_SIGNUP="true"):
        assert client.get("/signup/").status_code == 200
    with override_settings(XFINANCES_ALLOW_SIGNUP="false"):
        Company.objects.all().delete()
        assert client.get("/signup/").status_code == 404


def test_a_refused_company_leaves_no_user_behind():
    client = Client()
    response = client.post("/signup/", {**SIGN_UP, "eik": "123"})
    assert response.status_code == 422
    assert not User.objects.filter(email="maria@example.bg").exists()
    assert not Company.objects.exists()


def test_a_signed_in_user_creates_another_company(company, client_as):
    client = client_as(company, "accountant")
    response = client.post("/companies/new/", {"name": "Втора ООД", "eik": "121759222"})
    assert response.status_code == 302
    second = Company.objects.get(eik="121759222")
    assert Membership.objects.filter(company=second, role=Role.OWNER).count() == 1
    duplicate = client.post("/companies/new/", {"name": "Пак", "eik": "121759222"})
    assert duplicate.status_code == 422


def test_the_checklist_ticks_from_real_data(company, client_as, make_member):
    client = client_as(company, "owner")
    actions.add_company_bank_account(
        Actor.system(), company, iban="BG80BNBG96611020345678", currency="EUR"
    )
    make_member(company, "accountant")
    page = client.get(f"/c/{company.eik}/").content.decode()
    assert 'data-step="bank_account" data-done="1"' in page
    assert 'data-step="accountant" data-done="1"' in page
    assert 'data-step="invoice" data-done="0"' in page
