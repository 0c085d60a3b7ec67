"""Search: case-insensitive Cyrillic (also on SQLite), by ЕИК, VAT number, IBAN, e-mail, tag."""

from __future__ import annotations

import pytest

from xfinances.parties import queries
from xfinances.parties.actions import add_party_contact, update_party
from xfinances.parties.tests.factories import (
    contact_input,
    party_changes,
    party_input,
    valid_eik,
    valid_iban,
)


@pytest.fixture
def three(make_party):
    techno = make_party(
        name="„Техномаркет България“ ЕАД", eik=valid_eik(1), iban=valid_iban(1), tags=["VIP"]
    )
    bulstroy = make_party(
        name="Булстрой ООД",
        eik=valid_eik(2),
        vat_number="BG" + valid_eik(2),
        name_latin="Bulstroy OOD",
    )
    mueller = make_party(name="Müller GmbH", eik="", country="DE", vat_number="DE136695976")
    return techno, bulstroy, mueller


def _names(company, **filters):
    return [p.name for p in queries.parties(company, **filters)]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("техномаркет", ["„Техномаркет България“ ЕАД"]),
        ("ТЕХНОМАРКЕТ", ["„Техномаркет България“ ЕАД"]),
        ("тЕхНо българия", ["„Техномаркет България“ ЕАД"]),
        ("bulstroy", ["Булстрой ООД"]),
        ("müller", ["Müller GmbH"]),
        ("de136695976", ["Müller GmbH"]),
        ("BG" + valid_eik(2), ["Булстрой ООД"]),
        (valid_eik(1), ["„Техномаркет България“ ЕАД"]),
        (valid_iban(1), ["„Техномаркет България“ ЕАД"]),
        (
            valid_iban(1)[:4] + " " + valid_iban(1)[4:8] + " " + valid_iban(1)[8:12],
            ["„Техномаркет България“ ЕАД"],
        ),
        ("ооД", ["Булстрой ООД"]),
        ("няма такава", []),
    ],
)
def test_search(company, three, query, expected):
    assert _names(company, q=query) == expected


def test_search_by_contact_email_and_after_change(company, actor_system, three):
    techno, bulstroy, _ = three
    add_party_contact(actor_system, bulstroy, contact_input(name="Иван", email="ivan@bulstroy.bg"))
    assert _names(company, q="IVAN@bulstroy") == ["Булстрой ООД"]
    update_party(actor_system, techno, party_changes(name="Технополис ЕООД"))
    assert _names(company, q="техномаркет") == []
    assert _names(company, q="технополис") == ["Технополис ЕООД"]


def test_filters_and_stable_order(company, three, make_party):
    make_party(
        name="Иван Петров",
        kind="person",
        eik="",
        egn="8503151235",
        is_client=False,
        is_supplier=True,
    )
    assert _names(company, kind="person") == ["Иван Петров"]
    assert _names(company, is_supplier=True) == ["Иван Петров"]
    assert _names(company, tag="vip") == ["„Техномаркет България“ ЕАД"]
    assert _names(company) == sorted(_names(company))


def test_search_never_crosses_companies(company, other_company, three, actor_system):
    from xfinances.parties.actions import create_party

    create_party(
        actor_system, other_company, party_input(name="Техномаркет Друга", eik=valid_eik(1))
    )
    assert _names(company, q="техномаркет") == ["„Техномаркет България“ ЕАД"]
    assert _names(other_company, q="техномаркет") == ["Техномаркет Друга"]


def test_ui_search_as_you_type_returns_rows_only(company, client_as, three):
    client = client_as(company, "viewer")
    response = client.get(
        f"/c/{company.eik}/parties/",
        {"q": "БУЛСТРОЙ"},
        headers={"HX-Request": "true", "HX-Target": "party-results"},
    )
    html = response.content.decode()
    assert "Булстрой ООД" in html and "Техномаркет" not in html
    assert "<html" not in html  # a fragment for HTMX
    full = client.get(f"/c/{company.eik}/parties/").content.decode()
    assert "data-search" in full and "Техномаркет" in full and "Булстрой" in full
