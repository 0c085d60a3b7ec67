"""The pages: create and edit forms with errors at their fields, detail tabs, history, archive."""

from __future__ import annotations

from xfinances.parties.models import Party
from xfinances.parties.tests.factories import valid_eik, valid_iban


def _form(**overrides):
    data = {
        "kind": "company",
        "name": "„Нова Фирма“ ООД",
        "eik": valid_eik(60),
        "country": "BG",
        "is_client": "on",
    }
    data.update(overrides)
    return data


def test_create_then_detail_shows_everything(company, client_as, make_member):
    client = client_as(company, "sales")
    sales = company.memberships.get(role="sales").user
    response = client.post(
        f"/c/{company.eik}/parties/new/",
        _form(
            iban=valid_iban(60),
            email="office@nova.bg",
            tags="VIP, строителство",
            responsible=str(sales.pk),
            payment_terms_days="20",
        ),
    )
    party = Party.objects.get(company=company)
    assert (
        response.status_code == 302
        and response["Location"] == f"/c/{company.eik}/parties/{party.pk}/"
    )
    assert (
        party.responsible == sales
        and party.tags == ["VIP", "строителство"]
        and party.payment_terms_days == 20
    )
    html = client.get(response["Location"]).content.decode()
    for text in (
        "„Нова Фирма“ ООД",
        valid_eik(60),
        valid_iban(60),
        "UNCRBGSF",
        "office@nova.bg",
        "строителство",
    ):
        assert text in html
    assert "създаден контрагент" in html and "create_party" not in html  # the History tab


def test_errors_are_shown_next_to_their_fields(company, client_as):
    client = client_as(company, "owner")
    response = client.post(
        f"/c/{company.eik}/parties/new/",
        _form(
            name="",
            eik="123456789",
            email="no",
            iban="BG00",
            egn="8503151235",
            payment_terms_days="x",
        ),
    )
    assert response.status_code == 422
    html = response.content.decode()
    for field in ("name", "eik", "email", "iban", "egn", "payment_terms_days"):
        assert f'id="id_{field}_errors"' in html, field
        assert f'aria-describedby="id_{field}_errors"' in html, field
    egn_error = html.split('id="id_egn_errors"', 1)[1].split("</div>", 1)[0]
    assert "ЕГН" in egn_error  # the message (in the user's language) names the identifier
    assert not Party.objects.exists()


def test_edit_form_is_prefilled_and_saves(company, client_as, make_party):
    party = make_party(
        name="Старо ООД", iban=valid_iban(61), tags=["a", "b"], payment_terms_days=15
    )
    client = client_as(company, "purchasing")
    page = client.get(f"/c/{company.eik}/parties/{party.pk}/edit/").content.decode()
    assert (
        'value="Старо ООД"' in page
        and f'value="{valid_iban(61)}"' in page
        and 'value="a, b"' in page
    )
    response = client.post(
        f"/c/{company.eik}/parties/{party.pk}/edit/",
        _form(
            name="Ново ООД",
            eik=party.eik,
            iban=valid_iban(61),
            tags="a, b",
            payment_terms_days="15",
            city="Варна",
        ),
    )
    assert response.status_code == 302
    party.refresh_from_db()
    assert (party.name, party.city) == ("Ново ООД", "Варна")
    detail = client.get(f"/c/{company.eik}/parties/{party.pk}/?tab=history").content.decode()
    assert "Старо ООД" in detail and "Ново ООД" in detail  # before → after


def test_contacts_and_bank_accounts_from_the_detail_page(company, client_as, make_party):
    party = make_party()
    client = client_as(company, "accountant")
    base = f"/c/{company.eik}/parties/{party.pk}"
    client.post(
        f"{base}/contacts/", {"name": "Мария", "email": "maria@x.bg", "receives_invoices": "on"}
    )
    client.post(f"{base}/bank-accounts/", {"iban": valid_iban(62), "currency": "EUR"})
    bad = client.post(f"{base}/bank-accounts/", {"iban": "BG00BAD"}, follow=True).content.decode()
    assert "IBAN" in bad.split('class="alert alert-danger', 1)[1].split("</div>", 1)[0]
    contact = party.contacts.get()
    assert contact.receives_invoices
    assert party.bank_accounts.get().iban == valid_iban(62)
    client.post(f"{base}/contacts/{contact.pk}/remove/")
    assert not party.contacts.exists()


def test_archive_and_restore_buttons(company, client_as, make_party):
    party = make_party()
    client = client_as(company, "owner")
    base = f"/c/{company.eik}/parties/{party.pk}"
    client.post(f"{base}/archive/")
    party.refresh_from_db()
    assert party.is_archived
    html = client.get(f"{base}/").content.decode()
    assert f"{base}/restore/" in html and f"{base}/edit/" not in html
    assert client.get(f"{base}/edit/").status_code == 302
    client.post(f"{base}/restore/")
    party.refresh_from_db()
    assert not party.is_archived


def test_list_filters_and_pagination(company, client_as, make_party):
    for n in range(55):
        make_party(name=f"Клиент {n:02d}")
    make_party(name="Ясен Доставчик ООД", is_client=False, is_supplier=True)
    client = client_as(company, "viewer")
    first = client.get(f"/c/{company.eik}/parties/").content.decode()
    assert "Клиент 00" in first and "Клиент 49" in first and "Клиент 50" not in first
    second = client.get(f"/c/{company.eik}/parties/", {"page": 2}).content.decode()
    assert "Клиент 50" in second
    suppliers = client.get(f"/c/{company.eik}/parties/", {"role": "supplier"}).content.decode()
    assert "Ясен Доставчик ООД" in suppliers and "Клиент 00" not in suppliers
