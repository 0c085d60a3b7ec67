"""Role matrix: each role × view/create/update/delete/import, in the UI and the API."""

from __future__ import annotations

import pytest

from xfinances.parties.models import Party
from xfinances.parties.tests.factories import valid_eik

# role -> (view, create, update, delete, import)
MATRIX = {
    "owner": (True, True, True, True, True),
    "accountant": (True, True, True, True, True),
    "sales": (True, True, True, False, False),
    "purchasing": (True, True, True, False, False),
    "viewer": (True, False, False, False, False),
}
CSV = "name,eik\nНова Фирма ООД,{eik}\n"


@pytest.mark.parametrize("role", list(MATRIX))
def test_ui_role_matrix(company, client_as, make_party, role):
    view, create, update, delete, import_ = MATRIX[role]
    party = make_party(name="Роля ООД")
    client = client_as(company, role)
    base = f"/c/{company.eik}/parties"

    listing = client.get(f"{base}/")
    assert listing.status_code == (200 if view else 403)
    html = listing.content.decode()
    assert (f"{base}/new/" in html) is create
    assert (f"{base}/import/" in html) is import_

    detail = client.get(f"{base}/{party.pk}/").content.decode()
    assert (f"{base}/{party.pk}/edit/" in html or f"{base}/{party.pk}/edit/" in detail) is update
    assert (f"{base}/{party.pk}/archive/" in detail) is delete

    created = client.post(
        f"{base}/new/",
        {
            "kind": "company",
            "name": "Нова ООД",
            "eik": valid_eik(50),
            "country": "BG",
            "is_client": "on",
        },
    )
    assert created.status_code == (302 if create else 403)
    assert Party.objects.filter(company=company, name="Нова ООД").exists() is create

    edited = client.post(
        f"{base}/{party.pk}/edit/",
        {
            "kind": "company",
            "name": "Роля Нова ООД",
            "eik": party.eik,
            "country": "BG",
            "is_client": "on",
        },
    )
    assert edited.status_code == (302 if update else 403)
    party.refresh_from_db()
    assert (party.name == "Роля Нова ООД") is update

    archived = client.post(f"{base}/{party.pk}/archive/")
    assert archived.status_code == (302 if delete else 403)
    party.refresh_from_db()
    assert party.is_archived is delete

    page = client.get(f"{base}/import/")
    assert page.status_code == (200 if import_ else 403)
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(
        "p.csv", CSV.format(eik=valid_eik(51)).encode(), content_type="text/csv"
    )
    uploaded = client.post(f"{base}/import/", {"file": upload})
    assert uploaded.status_code == (302 if import_ else 403)


@pytest.mark.parametrize("role", list(MATRIX))
def test_api_role_matrix(company, api_as, make_party, role):
    view, create, update, delete, import_ = MATRIX[role]
    party = make_party(name="Роля ООД")
    api = api_as(company, role)
    assert api.get("/parties").status_code == (200 if view else 403)
    assert api.get(f"/parties/{party.pk}").status_code == (200 if view else 403)
    assert api.post("/parties", {"name": "Нова", "eik": valid_eik(52)}).status_code == (
        201 if create else 403
    )
    assert api.patch(f"/parties/{party.pk}", {"city": "Русе"}).status_code == (
        200 if update else 403
    )
    assert api.put(f"/parties/{party.pk}", {"name": "Роля", "eik": party.eik}).status_code == (
        200 if update else 403
    )
    assert api.delete(f"/parties/{party.pk}").status_code == (204 if delete else 403)
    party.refresh_from_db()
    assert party.is_archived is delete
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile(
        "p.csv", CSV.format(eik=valid_eik(53)).encode(), content_type="text/csv"
    )
    response = api.client.post("/api/v1/parties/imports", {"file": upload}, headers=api._headers())
    assert response.status_code == (201 if import_ else 403)
