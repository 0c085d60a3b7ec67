"""The demo parties are valid, varied and reach the dashboard counts."""

from __future__ import annotations

from xfinances.core.audit import Actor
from xfinances.core.identifiers import clean_eik, clean_iban, clean_vat_number
from xfinances.core.models import Source
from xfinances.parties import queries
from xfinances.parties.demo import load
from xfinances.parties.models import Party


def test_demo_parties(company, make_member):
    sales = make_member(company, "sales")
    load(Actor.system(Source.CLI), company, progress=lambda message: None)
    parties = list(Party.objects.filter(company=company))
    assert len(parties) >= 12
    for party in parties:
        if party.eik:
            assert clean_eik(party.eik) == party.eik
        if party.vat_number:
            assert clean_vat_number(party.vat_number) == party.vat_number
        for account in party.bank_accounts.all():
            assert clean_iban(account.iban) == account.iban
    assert any(p.is_client and p.is_supplier for p in parties)
    assert any(p.kind == "person" and p.egn for p in parties)
    assert {p.country for p in parties} >= {"BG", "DE", "AT"}
    assert any(p.responsible == sales for p in parties)
    assert any(p.contacts.filter(receives_invoices=True).exists() for p in parties)
    counts = queries.counts(company)
    assert counts["clients"] >= 6 and counts["suppliers"] >= 4
    load(
        Actor.system(Source.CLI), company, progress=lambda message: None
    )  # a second load adds nothing
    assert Party.objects.filter(company=company).count() == len(parties)
