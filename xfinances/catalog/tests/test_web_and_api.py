"""Pages and REST routes: role matrix, HTMX search, errors, and isolation between companies."""

from __future__ import annotations

from typing import Any

import pytest

from xfinances.catalog.models import Product, VatTreatment

ROLES = ["owner", "accountant", "sales", "purchasing", "viewer"]
CHANGERS = {"owner", "accountant", "sales"}


def _form(treatment: VatTreatment, **extra: str) -> dict[str, str]:
    data = {
        "name": "Уеб дизайн",
        "name_en": "",
        "code": "WEB",
        "kind": "service",
        "unit": "h",
        "unit_price": "45.50",
        "currency": "EUR",
        "vat_treatment": str(treatment.pk),
        "description": "",
    }
    data.update(extra)
    return data


@pytest.mark.parametrize("role", ROLES)
def test_ui_role_matrix(catalog_company: Any, client_as: Any, make_product: Any, role: str) -> None:
    client = client_as(catalog_company, role)
    eik = catalog_company.eik
    product = make_product(catalog_company, name="Хостинг")
    listing = client.get(f"/c/{eik}/catalog/")
    assert listing.status_code == 200 and "Хостинг" in listing.content.decode()
    assert (f"/c/{eik}/catalog/new/" in listing.content.decode()) == (role in CHANGERS)
    standard = VatTreatment.objects.get(company=catalog_company, code="standard")
    created = client.post(f"/c/{eik}/catalog/new/", _form(standard))
    archived = client.post(f"/c/{eik}/catalog/{product.pk}/archive/")
    if role in CHANGERS:
        assert created.status_code == 302 and archived.status_code == 302
        assert Product.objects.filter(company=catalog_company, code="WEB").exists()
        product.refresh_from_db()
        assert not product.is_active
    else:
        assert created.status_code == 403 and archived.status_code == 403
        assert not Product.objects.filter(company=catalog_company, code="WEB").exists()
    treatments = client.get(f"/c/{eik}/catalog/vat-treatments/")
    assert treatments.status_code == 200 and "чл. 28 от ЗДДС" in treatments.content.decode()
    edit = client.get(f"/c/{eik}/catalog/vat-treatments/{standard.pk}/")
    assert edit.status_code == (200 if role == "owner" else 403)


def test_ui_edit_and_field_errors(catalog_company: Any, client_as: Any, make_product: Any) -> None:
    client = client_as(catalog_company, "sales")
    eik = catalog_company.eik
    standard = VatTreatment.objects.get(company=catalog_company, code="standard")
    make_product(catalog_company, code="WEB")
    clash = client.post(f"/c/{eik}/catalog/new/", _form(standard))
    assert clash.status_code == 422 and "WEB" in clash.content.decode()
    bad = client.post(f"/c/{eik}/catalog/new/", _form(standard, code="X", unit_price="1.23456"))
    assert bad.status_code == 422 and "at most 4 decimal places" in bad.content.decode()
    product = Product.objects.get(company=catalog_company, code="WEB")
    page = client.get(f"/c/{eik}/catalog/{product.pk}/edit/")
    assert page.status_code == 200 and product.name in page.content.decode()
    saved = client.post(
        f"/c/{eik}/catalog/{product.pk}/edit/", _form(standard, name="Уеб дизайн 2")
    )
    assert saved.status_code == 302
    product.refresh_from_db()
    assert product.name == "Уеб дизайн 2"


def test_ui_htmx_search_returns_the_results_fragment(
    catalog_company: Any, client_as: Any, make_product: Any
) -> None:
    client = client_as(catalog_company, "viewer")
    make_product(catalog_company, name="Уеб дизайн")
    make_product(catalog_company, name="Хостинг")
    response = client.get(
        f"/c/{catalog_company.eik}/catalog/",
        {"q": "уеб"},
        headers={"HX-Request": "true", "HX-Target": "product-results"},
    )
    body = response.content.decode()
    assert "Уеб дизайн" in body and "Хостинг" not in body and "<html" not in body


def test_ui_owner_edits_vat_treatment(catalog_company: Any, client_as: Any) -> None:
    client = client_as(catalog_company, "owner")
    export = VatTreatment.objects.get(company=catalog_company, code="export")
    data = {
        "code": "export",
        "name": export.name,
        "name_en": export.name_en,
        "rate": "0",
        "legal_basis": "",
        "nap_column": "02-14",
        "is_active": "on",
        "sort_order": "30",
    }
    refused = client.post(f"/c/{catalog_company.eik}/catalog/vat-treatments/{export.pk}/", data)
    assert refused.status_code == 422 and "legal basis" in refused.content.decode()
    data["legal_basis"] = "чл. 28, ал. 1 от ЗДДС"
    saved = client.post(f"/c/{catalog_company.eik}/catalog/vat-treatments/{export.pk}/", data)
    assert saved.status_code == 302
    export.refresh_from_db()
    assert export.legal_basis == "чл. 28, ал. 1 от ЗДДС"


def test_every_ui_url_is_404_for_another_company(
    catalog_company: Any, catalog_other: Any, client_as: Any, make_product: Any
) -> None:
    product = make_product(catalog_company)
    treatment = VatTreatment.objects.get(company=catalog_company, code="standard")
    client = client_as(catalog_other, "owner")
    eik = catalog_company.eik
    for url in (
        f"/c/{eik}/catalog/",
        f"/c/{eik}/catalog/new/",
        f"/c/{eik}/catalog/{product.pk}/edit/",
        f"/c/{eik}/catalog/vat-treatments/",
        f"/c/{eik}/catalog/vat-treatments/new/",
        f"/c/{eik}/catalog/vat-treatments/{treatment.pk}/",
    ):
        assert client.get(url).status_code == 404, url
    for url in (
        f"/c/{eik}/catalog/{product.pk}/archive/",
        f"/c/{eik}/catalog/{product.pk}/restore/",
    ):
        assert client.post(url).status_code == 404, url
    # Their own company's URLs with our ids: also 404.
    own = catalog_other.eik
    assert client.get(f"/c/{own}/catalog/{product.pk}/edit/").status_code == 404
    assert client.post(f"/c/{own}/catalog/{product.pk}/archive/").status_code == 404
    assert client.get(f"/c/{own}/catalog/vat-treatments/{treatment.pk}/").status_code == 404
    product.refresh_from_db()
    assert product.is_active


@pytest.mark.parametrize("role", ROLES)
def test_api_role_matrix(catalog_company: Any, api_as: Any, make_product: Any, role: str) -> None:
    api = api_as(catalog_company, role)
    product = make_product(catalog_company, name="Хостинг", code="H1")
    listing = api.get("/products", q="хост")
    assert listing.status_code == 200 and [p["code"] for p in listing.json()["items"]] == ["H1"]
    assert api.get(f"/products/{product.pk}").json()["vat_treatment"] == "standard"
    treatments = api.get("/vat-treatments")
    assert "export" in [t["code"] for t in treatments.json()]
    created = api.post(
        "/products", {"name": "Уеб", "code": "W", "unit_price": "10.5", "vat_treatment": "export"}
    )
    patched = api.patch(f"/products/{product.pk}", {"unit_price": "12"})
    archived = api.post(f"/products/{product.pk}/archive")
    if role in CHANGERS:
        assert created.status_code == 201 and created.json()["vat_rate"] == "0.00"
        assert patched.status_code == 200 and patched.json()["unit_price"] == "12.0000"
        assert archived.status_code == 200 and archived.json()["is_active"] is False
    else:
        assert (created.status_code, patched.status_code, archived.status_code) == (403, 403, 403)
        product.refresh_from_db()
        assert product.is_active and product.unit_price == 0


def test_api_errors(
    catalog_company: Any, catalog_other: Any, api_as: Any, make_product: Any
) -> None:
    api = api_as(catalog_company, "owner")
    make_product(catalog_company, code="A1")
    bad = api.post("/products", {"name": "", "unit_price": "-1"})
    assert bad.status_code == 422 and {"name", "unit_price"} <= set(bad.json()["errors"])
    clash = api.post("/products", {"name": "X", "code": "A1"})
    assert clash.status_code == 409 and clash.json()["errors"]["code"]
    foreign = VatTreatment.objects.get(company=catalog_other, code="standard")
    by_id = api.post("/products", {"name": "X", "vat_treatment": str(foreign.pk)})
    assert by_id.status_code == 422 and "vat_treatment" in by_id.json()["errors"]
    replaced = api.put(
        f"/products/{Product.objects.get(code='A1').pk}", {"name": "Нов", "code": "A1"}
    )
    assert replaced.status_code == 200 and replaced.json()["unit"] == "pcs"


def test_every_api_route_is_404_for_another_company(
    catalog_company: Any, catalog_other: Any, api_as: Any, make_product: Any
) -> None:
    product = make_product(catalog_company, name="Тайна", code="SECRET")
    api = api_as(catalog_other, "owner")
    assert api.get(f"/products/{product.pk}").status_code == 404
    assert api.put(f"/products/{product.pk}", {"name": "X"}).status_code == 404
    assert api.patch(f"/products/{product.pk}", {"name": "X"}).status_code == 404
    assert api.post(f"/products/{product.pk}/archive").status_code == 404
    assert api.post(f"/products/{product.pk}/restore").status_code == 404
    assert "SECRET" not in api.get("/products", q="тайна").content.decode()
    own_ids = {t["id"] for t in api.get("/vat-treatments").json()}
    assert own_ids == set(
        VatTreatment.objects.filter(company=catalog_other).values_list("pk", flat=True)
    )
    chooser = api_as(catalog_other, "viewer", choose=True)
    chooser.company_eik = catalog_company.eik
    assert chooser.get("/products").status_code == 404
    assert chooser.get("/vat-treatments").status_code == 404
    product.refresh_from_db()
    assert product.name == "Тайна"
