"""REST /api/v1/parties: CRUD, field-level 422 errors, pagination by offset and by cursor."""

from __future__ import annotations

from xfinances.core.audit import history
from xfinances.parties.models import Party
from xfinances.parties.tests.factories import valid_eik, valid_iban


def test_create_read_update_patch_delete(company, api_as, make_member):
    api = api_as(company, "accountant")
    sales = make_member(company, "sales")
    created = api.post(
        "/parties",
        {
            "name": "„Зелена Долина“ АД",
            "vat_number": "BG" + valid_eik(1),
            "city": "Варна",
            "email": "Finance@Dolina.bg",
            "iban": valid_iban(3),
            "is_client": True,
            "is_supplier": True,
            "payment_terms_days": 21,
            "language": "bg-en",
            "tags": ["храни"],
            "responsible": sales.email,
            "contacts": [{"name": "Ана", "email": "ana@dolina.bg", "receives_reminders": True}],
        },
    )
    assert created.status_code == 201, created.content
    body = created.json()
    party_id = body["id"]
    assert body["eik"] == valid_eik(1)
    assert body["email"] == "finance@dolina.bg"
    assert body["iban"] == valid_iban(3)
    assert body["bank_accounts"][0]["bic"] == "UNCRBGSF"
    assert body["responsible"] == sales.email
    assert body["contacts"][0]["receives_reminders"] is True
    assert body["kind"] == "company" and body["is_supplier"] is True

    read = api.get(f"/parties/{party_id}").json()
    assert read == body

    patched = api.patch(f"/parties/{party_id}", {"city": "Бургас"})
    assert patched.status_code == 200
    assert patched.json()["city"] == "Бургас" and patched.json()["payment_terms_days"] == 21

    put = api.put(f"/parties/{party_id}", {"name": "Зелена Долина АД", "eik": valid_eik(1)})
    assert put.status_code == 200
    after_put = put.json()
    assert after_put["city"] == "" and after_put["is_supplier"] is False  # PUT replaces
    assert after_put["contacts"] == body["contacts"]  # lists left out stay

    party = Party.objects.get(pk=party_id)
    sources = {e.source for e in history(company, party)}
    assert sources == {"api"}

    deleted = api.delete(f"/parties/{party_id}")
    assert deleted.status_code == 204
    party.refresh_from_db()
    assert party.is_archived
    assert api.get("/parties").json()["count"] == 0
    assert api.get("/parties", archived=True).json()["count"] == 1
    assert api.post(f"/parties/{party_id}/restore").json()["is_archived"] is False


def test_field_level_422(company, api_as):
    api = api_as(company, "owner")
    response = api.post(
        "/parties",
        {
            "name": "",
            "eik": "123",
            "email": "x",
            "iban": "BG00",
            "kind": "robot",
            "payment_terms_days": "много",
        },
    )
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert {"name", "eik", "email", "iban", "kind", "payment_terms_days"} <= set(errors)
    assert all(isinstance(m, str) and m for messages in errors.values() for m in messages)
    assert not Party.objects.filter(company=company).exists()

    party = api.post("/parties", {"name": "Добра ООД", "eik": valid_eik(2)}).json()
    bad = api.patch(f"/parties/{party['id']}", {"vat_number": "BG" + valid_eik(3)})
    assert bad.status_code == 422 and "vat_number" in bad.json()["errors"]


def test_unknown_party_is_404(company, api_as):
    assert api_as(company, "owner").get("/parties/999999").status_code == 404


def test_list_pagination_offset_and_cursor(company, api_as, make_party):
    for n in range(7):
        make_party(name=f"Фирма {n:02d}")
    api = api_as(company, "viewer")
    first = api.get("/parties", limit=3).json()
    assert first["count"] == 7
    assert [p["name"] for p in first["items"]] == ["Фирма 00", "Фирма 01", "Фирма 02"]
    second = api.get("/parties", limit=3, offset=3).json()
    assert [p["name"] for p in second["items"]] == ["Фирма 03", "Фирма 04", "Фирма 05"]

    names, cursor = [], None
    while True:
        page = api.get("/parties", limit=3, **({"cursor": cursor} if cursor else {})).json()
        names += [p["name"] for p in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert names == [f"Фирма {n:02d}" for n in range(7)]

    assert api.get("/parties", limit=0).status_code == 422
    assert api.get("/parties", cursor="нещо").status_code == 422


def test_list_search_and_filters(company, api_as, make_party):
    make_party(name="Техномаркет ЕАД", is_client=True)
    make_party(name="Офис Експрес ООД", is_client=False, is_supplier=True)
    make_party(name="Иван Иванов", kind="person", eik="")
    api = api_as(company, "viewer")
    assert [p["name"] for p in api.get("/parties", q="ТЕХНО").json()["items"]] == [
        "Техномаркет ЕАД"
    ]
    assert [p["name"] for p in api.get("/parties", is_supplier=True).json()["items"]] == [
        "Офис Експрес ООД"
    ]
    assert [p["name"] for p in api.get("/parties", kind="person").json()["items"]] == [
        "Иван Иванов"
    ]
