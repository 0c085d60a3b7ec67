"""A second party with the same ЕИК in one company is refused with a link to the first."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, transaction

from xfinances.core.exceptions import Conflict
from xfinances.parties.actions import create_party, update_party
from xfinances.parties.models import Party
from xfinances.parties.tests.factories import party_changes, party_input, valid_eik


def test_action_refuses_with_link(company, actor_system, make_party):
    first = make_party(eik=valid_eik(7), name="Първа ООД")
    with pytest.raises(Conflict) as caught:
        create_party(
            actor_system, company, party_input(name="Втора ООД", vat_number="BG" + valid_eik(7))
        )
    assert caught.value.field == "eik"
    assert caught.value.link == f"/c/{company.eik}/parties/{first.pk}/"
    assert "Първа ООД" in caught.value.message
    assert Party.objects.filter(company=company).count() == 1


def test_update_to_an_existing_eik_is_refused(actor_system, make_party):
    first = make_party(eik=valid_eik(8))
    second = make_party(eik=valid_eik(9))
    with pytest.raises(Conflict) as caught:
        update_party(actor_system, second, party_changes(eik=valid_eik(8)))
    assert caught.value.link.endswith(f"/parties/{first.pk}/")
    second.refresh_from_db()
    assert second.eik == valid_eik(9)


def test_same_eik_in_another_company_is_fine(company, other_company, actor_system, make_party):
    make_party(eik=valid_eik(10))
    party = create_party(actor_system, other_company, party_input(name="Друга", eik=valid_eik(10)))
    assert party.company == other_company


def test_database_constraint_backs_the_check(company, make_party):
    first = make_party(eik=valid_eik(11))
    with pytest.raises(IntegrityError), transaction.atomic():
        Party.objects.create(company=company, name="Копие", eik=first.eik)


def test_ui_form_shows_the_error_at_eik_with_link(company, client_as, make_party):
    first = make_party(eik=valid_eik(12), name="Първа ООД")
    client = client_as(company, "sales")
    response = client.post(
        f"/c/{company.eik}/parties/new/",
        {
            "kind": "company",
            "name": "Втора ООД",
            "eik": valid_eik(12),
            "country": "BG",
            "is_client": "on",
        },
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert 'id="id_eik_errors"' in html
    assert f'href="/c/{company.eik}/parties/{first.pk}/"' in html
    assert Party.objects.filter(company=company).count() == 1


def test_api_answers_409_with_link(company, api_as, make_party):
    first = make_party(eik=valid_eik(13))
    response = api_as(company, "owner").post("/parties", {"name": "Втора", "eik": valid_eik(13)})
    assert response.status_code == 409
    body = response.json()
    assert body["link"] == f"/c/{company.eik}/parties/{first.pk}/"
    assert "eik" in body["errors"]
