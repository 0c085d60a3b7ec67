"""create_party: validation, nested contacts and accounts, search text, audit."""

from __future__ import annotations

import pytest

from xfinances.core.audit import Actor, history
from xfinances.core.exceptions import InvalidInput, NotAllowed
from xfinances.core.models import AuditEntry, Source
from xfinances.parties.actions import create_party
from xfinances.parties.models import Party
from xfinances.parties.tests.factories import party_input, valid_eik, valid_iban


def test_create_writes_party_accounts_contacts_and_audit(company, make_member):
    user = make_member(company, "sales")
    actor = Actor(user, Source.UI)
    party = create_party(
        actor,
        company,
        party_input(
            name="„Техномаркет България“ ЕАД",
            vat_number="BG" + valid_eik(1),
            city="София",
            iban=valid_iban(1).lower(),
            email="Invoices@Techno.BG",
            responsible=user.pk,
            tags=["ключов"],
            contacts=[{"name": "Десислава", "email": "d@techno.bg", "receives_invoices": True}],
        ),
    )
    party.refresh_from_db()
    assert party.eik == valid_eik(1)  # derived from BG + ЕИК
    assert party.email == "invoices@techno.bg"
    assert party.responsible == user
    account = party.bank_accounts.get()
    assert (account.iban, account.bic, account.is_primary) == (valid_iban(1), "UNCRBGSF", True)
    assert party.contacts.get().receives_invoices is True
    assert "техномаркет" in party.search_text
    assert valid_iban(1).lower() in party.search_text
    assert "d@techno.bg" in party.search_text

    entries = list(history(company, party).order_by("id"))
    assert entries[0].kind == AuditEntry.Kind.CREATE
    assert entries[0].action == "create_party"
    assert entries[0].user == user
    assert entries[0].changes["name"] == [None, "„Техномаркет България“ ЕАД"]
    assert entries[0].changes["eik"] == [None, valid_eik(1)]
    kinds = {tuple(e.changes) for e in entries[1:]}
    assert ("contacts",) in kinds and ("bank_accounts",) in kinds


def test_invalid_input_changes_nothing_and_names_every_field(company, actor_system):
    with pytest.raises(InvalidInput) as caught:
        create_party(
            actor_system,
            company,
            party_input(
                name="",
                eik="131468981",
                email="nope",
                iban="BG00XXXX",
                contacts=[{"name": "X", "email": "bad", "receives_invoices": True}],
            ),
        )
    assert {"name", "eik", "email", "iban", "contacts.0.email"} <= set(caught.value.errors)
    assert not Party.objects.filter(company=company).exists()
    assert not AuditEntry.objects.filter(company=company, object_type="parties.party").exists()


def test_responsible_must_be_member_of_the_company(
    company, other_company, make_member, actor_system
):
    stranger = make_member(other_company, "sales")
    with pytest.raises(InvalidInput) as caught:
        create_party(
            actor_system,
            company,
            party_input(name="А ООД", eik=valid_eik(2), responsible=stranger.pk),
        )
    assert "responsible" in caught.value.errors


def test_viewer_may_not_create(company, make_member):
    viewer = make_member(company, "viewer")
    with pytest.raises(NotAllowed):
        create_party(Actor(viewer, Source.UI), company, party_input(name="А ООД", eik=valid_eik(3)))


def test_foreign_party_without_eik_and_a_person(company, actor_system):
    foreign = create_party(
        actor_system,
        company,
        party_input(name="Müller GmbH", country="DE", vat_number="DE136695976"),
    )
    person = create_party(
        actor_system, company, party_input(name="Иван Петров", kind="person", egn="8503151235")
    )
    assert foreign.eik == "" and foreign.vat_number == "DE136695976"
    assert person.egn == "8503151235" and person.eik == ""
    # Two parties without ЕИК do not collide on the unique constraint.
    create_party(actor_system, company, party_input(name="Мария Петрова", kind="person"))
    assert Party.objects.filter(company=company, eik="").count() == 3
