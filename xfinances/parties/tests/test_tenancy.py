"""A member of another company gets 404 for every parties page and API route."""

from __future__ import annotations

import pytest
from django.urls import URLPattern

from xfinances.parties import urls as party_urls
from xfinances.parties.actions import add_party_bank_account, add_party_contact, upload_party_import
from xfinances.parties.tests.factories import account_input, contact_input, valid_iban


@pytest.fixture
def objects(company, actor_system, make_party):
    party = make_party(name="Тайна ООД")
    contact = add_party_contact(actor_system, party, contact_input(name="Скрит", email="s@x.bg"))
    account = add_party_bank_account(actor_system, party, account_input(iban=valid_iban(9)))
    upload = upload_party_import(
        actor_system, company, filename="a.csv", content=b"name\n\xd0\x90\n"
    )
    return {
        "party_id": party.pk,
        "contact_id": contact.pk,
        "bank_account_id": account.pk,
        "import_id": upload.pk,
    }


def _paths(eik: str, ids: dict[str, int]) -> list[str]:
    paths = []
    for pattern in party_urls.urlpatterns:
        assert isinstance(pattern, URLPattern)
        route = str(pattern.pattern)
        for name, value in ids.items():
            route = route.replace(f"<int:{name}>", str(value))
        paths.append(f"/c/{eik}/parties/{route}")
    return paths


def test_every_ui_url_is_404_for_a_stranger(company, other_company, client_as, objects):
    client = client_as(other_company, "owner")
    paths = _paths(company.eik, objects)
    assert len(paths) == len(party_urls.urlpatterns) >= 15
    for path in paths:
        assert client.get(path).status_code == 404, path
        assert client.post(path).status_code in (404, 405), path


def test_own_company_urls_do_not_reach_other_companies_rows(
    company, other_company, client_as, objects
):
    client = client_as(other_company, "owner")
    for path in _paths(other_company.eik, objects):
        if any(f"/{value}/" in path for value in objects.values()):
            assert client.get(path).status_code in (404, 405), path
            assert client.post(path).status_code == 404, path


def test_every_api_route_is_404_for_a_stranger(company, other_company, api_as, objects):
    party_id, import_id = objects["party_id"], objects["import_id"]
    api = api_as(other_company, "owner")
    assert api.get(f"/parties/{party_id}").status_code == 404
    assert api.put(f"/parties/{party_id}", {"name": "X", "eik": "131468980"}).status_code == 404
    assert api.patch(f"/parties/{party_id}", {"city": "X"}).status_code == 404
    assert api.delete(f"/parties/{party_id}").status_code == 404
    assert api.post(f"/parties/{party_id}/restore").status_code == 404
    assert api.get(f"/parties/imports/{import_id}").status_code == 404
    assert api.post(f"/parties/imports/{import_id}/confirm").status_code == 404
    assert api.get("/parties").json()["count"] == 0
    # Asking for the other company by its ЕИК is 404 as well.
    chooser = api_as(other_company, "accountant", choose=True)
    chooser.company_eik = company.eik
    assert chooser.get("/parties").status_code == 404
