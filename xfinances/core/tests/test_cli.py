"""The xfinances command: createcompany, createuser, token, demo — with clear errors."""

import pytest
from django.core.management import CommandError, call_command

from xfinances.core.models import ApiToken, Company, Membership, hash_token
from xfinances.demo import DEMO_EIK, DEMO_LOGINS


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


PARTIES_CSV = "name,eik,city\n„Орион“ ООД,121759222,Варна\nГрешка ЕООД,123,София\n".encode()


def test_import_parties_as_a_member_obeys_the_role(company, make_member, tmp_path, capsys):
    from xfinances.parties.models import Party

    path = tmp_path / "parties.csv"
    path.write_bytes(PARTIES_CSV)
    viewer = make_member(company, "viewer")
    with pytest.raises(CommandError, match=r"роля|role"):
        call_command("import-parties", "--company", company.eik, "--user", viewer.email, str(path))
    assert not Party.objects.filter(company=company).exists()

    accountant = make_member(company, "accountant")
    call_command("import-parties", "--company", company.eik, "--user", accountant.email, str(path))
    assert list(Party.objects.filter(company=company).values_list("eik", flat=True)) == [
        "121759222"
    ]
    out = capsys.readouterr().out
    assert "1 imported, 1 skipped" in out and "line 3" in out


def test_import_parties_refuses_a_stranger(company, other_company, make_member, tmp_path):
    stranger = make_member(other_company, "owner")
    path = tmp_path / "p.csv"
    path.write_bytes(PARTIES_CSV)
    with pytest.raises(CommandError, match="not an active member"):
        call_command(
            "import-parties", "--company", company.eik, "--user", stranger.email, str(path)
        )
