"""Parties for tests, made through the action so search text and audit exist as in real use."""

from __future__ import annotations

from typing import Any

import factory

from xfinances.core.audit import Actor
from xfinances.core.inputs import Changes
from xfinances.core.models import Source
from xfinances.parties.actions import create_party
from xfinances.parties.demo import egn_from, eik_from, iban_bg
from xfinances.parties.inputs import BankAccountInput, ContactInput, PartyInput


def party_input(**raw: Any) -> PartyInput:
    """A party's input read from raw values, as the form and the API read it."""
    return PartyInput.read(raw)


def party_changes(**raw: Any) -> Changes[PartyInput]:
    return PartyInput.read_changes(raw)


def contact_input(**raw: Any) -> ContactInput:
    return ContactInput.read(raw)


def account_input(**raw: Any) -> BankAccountInput:
    return BankAccountInput.read(raw)


class PartyFactory(factory.Factory):
    class Meta:
        model = dict

    company = None
    kind = "company"
    name = factory.Sequence(lambda n: f"„Фирма {n}“ ООД")
    eik = factory.Sequence(lambda n: eik_from(f"{30000000 + n * 13:08d}"))
    city = "София"
    address = factory.Sequence(lambda n: f"ул. „Шипка“ {n}")
    email = factory.Sequence(lambda n: f"office{n}@firma.example.bg")
    is_client = True
    is_supplier = False

    @classmethod
    def _create(cls, model_class: Any, *args: Any, **kwargs: Any) -> Any:
        company = kwargs.pop("company")
        actor = kwargs.pop("actor", None) or Actor.system(Source.CLI)
        return create_party(actor, company, party_input(**kwargs))


def valid_eik(n: int) -> str:
    return eik_from(f"{40000000 + n * 17:08d}")


def valid_egn(first9: str = "850315123") -> str:
    return egn_from(first9)


def valid_iban(n: int = 1) -> str:
    return iban_bg("UNCR", "7000", f"{15200000 + n:08d}")


def isolation_objects(company: Any) -> dict[str, Any]:
    """One party with a contact and a bank account, and one upload, for the tenancy walker."""
    from xfinances.parties.actions import (
        add_party_bank_account,
        add_party_contact,
        upload_party_import,
    )

    actor = Actor.system(Source.CLI)
    party = PartyFactory(company=company)
    contact = add_party_contact(
        actor, party, contact_input(name="Изолирана", email="isolated@example.bg")
    )
    account = add_party_bank_account(actor, party, account_input(iban=valid_iban(99)))
    upload = upload_party_import(actor, company, filename="isolation.csv", content=b"name\nX\n")
    return {
        "party_id": party.pk,
        "contact_id": contact.pk,
        "bank_account_id": account.pk,
        "import_id": upload.pk,
    }
