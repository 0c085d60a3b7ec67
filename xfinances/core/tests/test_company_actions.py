"""Companies, bank accounts and members: validation, conflicts, invariants."""

import pytest

from xfinances.core import actions
from xfinances.core.audit import Actor
from xfinances.core.company_inputs import CompanyInput, NewCompanyInput
from xfinances.core.exceptions import Conflict, InvalidInput, NotAllowed
from xfinances.core.models import Company, CompanyBankAccount, Membership


def test_create_company_validates_every_identifier(actor_system, db):
    with pytest.raises(InvalidInput) as error:
        actions.create_company(
            actor_system,
            NewCompanyInput.read(
                {"name": "", "eik": "123", "vat_number": "BG999", "iban": "BG00XXXX"}
            ),
        )
    assert set(error.value.errors) == {"name", "eik", "vat_number", "iban"}
    assert not Company.objects.exists()


def test_duplicate_eik_is_a_conflict(company, actor_system):
    with pytest.raises(Conflict):
        actions.create_company(
            actor_system, NewCompanyInput.read({"name": "Друга", "eik": company.eik})
        )


def test_company_with_iban_gets_default_account_with_bic(actor_system, db):
    company = actions.create_company(
        actor_system,
        NewCompanyInput.read(
            {"name": "Гама АД", "eik": "121759222", "iban": "bg18 rzbb 9155 0123 4567 89"}
        ),
    )
    account = CompanyBankAccount.objects.get(company=company)
    assert (account.iban, account.bic, account.is_default) == (
        "BG18RZBB91550123456789",
        "RZBBBGSF",
        True,
    )
    assert company.vat_registered is False


def test_thirteen_digit_branch_eik_accepted(actor_system, db):
    company = actions.create_company(
        actor_system, NewCompanyInput.read({"name": "Клон", "eik": "1314689801236"})
    )
    assert company.eik == "1314689801236"


def test_last_owner_cannot_leave_or_be_demoted(company, owner):
    membership = Membership.objects.get(company=company, user=owner)
    with pytest.raises(InvalidInput):
        actions.change_role(Actor(owner), membership, "viewer")
    with pytest.raises(InvalidInput):
        actions.remove_member(Actor(owner), membership)
    assert Membership.objects.get(pk=membership.pk).role == "owner"


def test_sales_cannot_change_company(company, make_member):
    sales = make_member(company, "sales")
    with pytest.raises(NotAllowed):
        actions.update_company(
            Actor(sales), company, CompanyInput.read_changes({"name": "Хак ООД"})
        )


def test_add_existing_user_to_second_company(company, other_company, owner, make_member):
    boss = make_member(other_company, "owner")
    membership = actions.add_member(
        Actor(boss), other_company, email=owner.email, role="accountant"
    )
    assert membership.user == owner
    with pytest.raises(Conflict):
        actions.add_member(Actor(boss), other_company, email=owner.email, role="viewer")


def test_new_member_without_password_gets_reset_mail(
    client, company, owner, django_capture_on_commit_callbacks
):
    from django.core import mail

    client.force_login(owner)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/c/{company.eik}/members/",
            {"email": "ana@example.bg", "full_name": "Ана", "role": "sales"},
        )
    assert Membership.objects.filter(
        company=company, user__email="ana@example.bg", role="sales"
    ).exists()
    assert mail.outbox and mail.outbox[0].to == ["ana@example.bg"]


def test_invalid_iban_in_settings_form_names_the_field(client, company, owner):
    client.force_login(owner)
    client.post(
        f"/c/{company.eik}/settings/bank-accounts/",
        {"iban": "BG00 1234", "currency": "EUR"},
        follow=True,
    )
    assert not CompanyBankAccount.objects.filter(company=company).exists()


def test_invalid_eik_in_settings_form_is_shown_on_the_field(client, company, owner):
    client.force_login(owner)
    response = client.post(
        f"/c/{company.eik}/settings/",
        {
            "name": company.name,
            "eik": "131468981",
            "country": "BG",
            "default_currency": "EUR",
            "document_language": "bg",
            "payment_terms_days": 14,
            "edit_window_days": 30,
        },
    )
    assert response.status_code == 200
    assert "eik" in response.context["form"].errors
    company.refresh_from_db()
    assert company.eik == "131468980"


def test_invitation_link_lets_the_new_member_set_a_password(
    client, company, owner, django_capture_on_commit_callbacks
):
    from django.core import mail

    with django_capture_on_commit_callbacks(execute=True):
        actions.add_member(Actor(owner), company, email="ivo@example.bg", role="viewer")
    link = next(line for line in mail.outbox[0].body.splitlines() if "/password-reset/" in line)
    page = client.get(link.split("8000", 1)[1], follow=True)
    assert page.context["validlink"]
