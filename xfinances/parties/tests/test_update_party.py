"""update_party: partial changes, audit rows with before/after, nested lists."""

from __future__ import annotations

import pytest

from xfinances.core.audit import Actor, history
from xfinances.core.exceptions import InvalidInput, NotAllowed
from xfinances.core.models import AuditEntry, Source
from xfinances.parties.actions import (
    add_party_bank_account,
    add_party_contact,
    archive_party,
    remove_party_bank_account,
    remove_party_contact,
    update_party,
)
from xfinances.parties.tests.factories import (
    account_input,
    contact_input,
    party_changes,
    valid_iban,
)


def test_update_records_before_and_after(company, make_member, make_party):
    party = make_party(name="Старо Име ООД", city="София")
    user = make_member(company, "accountant")
    update_party(
        Actor(user, Source.API), party, party_changes(name="Ново Име ООД", payment_terms_days="30")
    )
    party.refresh_from_db()
    assert party.name == "Ново Име ООД" and party.payment_terms_days == 30
    assert party.city == "София"  # untouched
    entry = history(company, party).filter(kind=AuditEntry.Kind.UPDATE).get()
    assert entry.source == "api" and entry.user == user
    assert entry.changes == {
        "name": ["Старо Име ООД", "Ново Име ООД"],
        "payment_terms_days": [None, 30],
    }
    assert "ново име" in party.search_text and "старо" not in party.search_text


def test_update_without_changes_writes_no_audit(company, actor_system, make_party):
    party = make_party(name="Същото ООД")
    before = history(company, party).count()
    update_party(actor_system, party, party_changes(name="Същото ООД"))
    assert history(company, party).count() == before


def test_update_validates_the_merged_party(actor_system, make_party):
    party = make_party()
    with pytest.raises(InvalidInput) as caught:
        update_party(
            actor_system, party, party_changes(egn="8503151235")
        )  # company kind keeps no ЕГН
    assert "egn" in caught.value.errors
    with pytest.raises(InvalidInput) as caught:
        update_party(
            actor_system, party, party_changes(eik="")
        )  # a Bulgarian company needs its ЕИК
    assert "eik" in caught.value.errors


def test_iban_becomes_primary_and_bic_derived(actor_system, make_party):
    party = make_party(iban=valid_iban(1))
    update_party(actor_system, party, party_changes(iban=valid_iban(2)))
    accounts = list(party.bank_accounts.order_by("-is_primary", "id"))
    assert [(a.iban, a.is_primary) for a in accounts] == [
        (valid_iban(2), True),
        (valid_iban(1), False),
    ]
    assert accounts[0].bic == "UNCRBGSF"


def test_contacts_and_accounts_added_and_removed_with_history(company, actor_system, make_party):
    party = make_party()
    contact = add_party_contact(
        actor_system,
        party,
        contact_input(name="Мария", email="Maria@X.bg", receives_reminders=True),
    )
    assert contact.email == "maria@x.bg"
    account = add_party_bank_account(
        actor_system, party, account_input(iban=valid_iban(5), currency="EUR")
    )
    party.refresh_from_db()
    assert "maria@x.bg" in party.search_text and valid_iban(5).lower() in party.search_text
    remove_party_contact(actor_system, contact)
    remove_party_bank_account(actor_system, account)
    party.refresh_from_db()
    assert "maria" not in party.search_text
    actions = [e.action for e in history(company, party).order_by("id")]
    assert actions[-4:] == [
        "add_party_contact",
        "add_party_bank_account",
        "remove_party_contact",
        "remove_party_bank_account",
    ]
    last = history(company, party).order_by("id").last()
    assert last.changes == {"bank_accounts": [[valid_iban(5)], []]}


def test_contact_receiving_invoices_needs_email(actor_system, make_party):
    party = make_party()
    with pytest.raises(InvalidInput) as caught:
        add_party_contact(
            actor_system, party, contact_input(name="Без поща", receives_invoices=True)
        )
    assert "email" in caught.value.errors


def test_purchasing_may_edit_viewer_may_not(company, make_member, make_party):
    party = make_party()
    update_party(
        Actor(make_member(company, "purchasing"), Source.UI), party, party_changes(city="Варна")
    )
    with pytest.raises(NotAllowed):
        update_party(
            Actor(make_member(company, "viewer"), Source.UI), party, party_changes(city="Русе")
        )


def test_archived_party_cannot_be_edited(actor_system, make_party):
    party = make_party()
    archive_party(actor_system, party)
    with pytest.raises(InvalidInput):
        update_party(actor_system, party, party_changes(city="Варна"))
