"""`xfinances import-parties`: the command obeys the member's role and names bad lines."""

import pytest
from django.core.management import CommandError, call_command

from xfinances.parties.models import Party

PARTIES_CSV = "name,eik,city\n„Орион“ ООД,121759222,Варна\nГрешка ЕООД,123,София\n".encode()


def test_import_parties_as_a_member_obeys_the_role(company, make_member, tmp_path, capsys):
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
