"""The xfinances command: createcompany, createuser, token, demo — with clear errors."""

import pytest
from django.core.management import CommandError, call_command

from xfinances.core.demo import DEMO_EIK, DEMO_LOGINS
from xfinances.core.models import ApiToken, Company, Membership, hash_token


def test_createcompany_and_createuser(db, capsys):
    call_command(
        "createcompany",
        "--eik",
        "131468980",
        "--name",
        "Алфа ООД",
        "--vat",
        "BG131468980",
        "--iban",
        "BG80BNBG96611020345678",
    )
    company = Company.objects.get(eik="131468980")
    assert company.vat_registered and company.bank_accounts.get().bic == "BNBGBGSF"
    call_command(
        "createuser",
        "--email",
        "Ana@Example.bg",
        "--password",
        "Silna-Parola-77",
        "--company",
        "131468980",
        "--role",
        "accountant",
    )
    assert (
        Membership.objects.get(company=company, user__email="ana@example.bg").role == "accountant"
    )


def test_createcompany_with_bad_eik_says_why(db):
    with pytest.raises(CommandError, match="eik"):
        call_command("createcompany", "--eik", "131468981", "--name", "Грешка ООД")
    assert not Company.objects.exists()


def test_createuser_for_unknown_company(db):
    with pytest.raises(CommandError, match="No company"):
        call_command(
            "createuser",
            "--email",
            "a@b.bg",
            "--password",
            "Silna-Parola-77",
            "--company",
            "999999999",
            "--role",
            "owner",
        )


def test_token_prints_a_working_token(db, capsys, client):
    call_command("demo")
    capsys.readouterr()
    call_command("token", "--email", DEMO_LOGINS[0][0])
    raw = capsys.readouterr().out.strip()
    assert ApiToken.objects.filter(token_hash=hash_token(raw)).exists()
    response = client.get("/api/v1/company", headers={"Authorization": f"Bearer {raw}"})
    assert response.json()["eik"] == DEMO_EIK


def test_demo_is_idempotent(db, capsys):
    call_command("demo")
    counts = (Company.objects.count(), Membership.objects.count())
    call_command("demo")
    assert (Company.objects.count(), Membership.objects.count()) == counts
    assert "nothing to do" in capsys.readouterr().out
    assert set(Membership.objects.values_list("role", flat=True)) == {r for _, _, r in DEMO_LOGINS}
