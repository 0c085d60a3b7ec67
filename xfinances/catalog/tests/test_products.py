"""Product actions: create, update, archive, validation, audit, company isolation."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from xfinances.catalog import actions, queries
from xfinances.catalog.inputs import ProductInput, VatTreatmentInput
from xfinances.catalog.models import Product, VatTreatment, unit_print_name
from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict, InvalidInput, NotAllowed
from xfinances.core.models import AuditEntry


def test_create_with_defaults_and_audit(catalog_company: Any, make_member: Any) -> None:
    user = make_member(catalog_company, "sales")
    product = actions.create_product(
        Actor(user),
        catalog_company,
        ProductInput.read(
            {
                "name": " Уеб дизайн ",
                "code": "WEB-1",
                "kind": "service",
                "unit": "h",
                "unit_price": "45.1234",
                "currency": "eur",
            }
        ),
    )
    assert product.name == "Уеб дизайн"
    assert product.unit_price == Decimal("45.1234") and product.currency == "EUR"
    assert product.vat_treatment.code == "standard"
    entry = AuditEntry.objects.get(company=catalog_company, action="create_product")
    assert entry.user == user and entry.changes["name"] == [None, "Уеб дизайн"]


def test_update_records_before_and_after(
    catalog_company: Any, make_product: Any, owner: Any
) -> None:
    product = make_product(catalog_company, unit_price="10")
    actions.update_product(
        Actor(owner),
        product,
        ProductInput.read_changes({"unit_price": "12.50", "vat_treatment": "export"}),
    )
    product.refresh_from_db()
    assert product.unit_price == Decimal("12.5") and product.vat_treatment.code == "export"
    entry = AuditEntry.objects.get(company=catalog_company, action="update_product")
    export = VatTreatment.objects.get(company=catalog_company, code="export")
    standard = VatTreatment.objects.get(company=catalog_company, code="standard")
    assert entry.changes == {
        "unit_price": ["10.0000", "12.5000"],
        "vat_treatment": [standard.pk, export.pk],
    }


def test_archive_and_restore(catalog_company: Any, make_product: Any, owner: Any) -> None:
    product = make_product(catalog_company)
    actions.archive_product(Actor(owner), product)
    assert list(queries.products(catalog_company)) == []
    assert list(queries.products(catalog_company, archived=True)) == [product]
    actions.archive_product(Actor(owner), product)  # no second audit row
    assert AuditEntry.objects.filter(action="archive_product").count() == 1
    actions.restore_product(Actor(owner), product)
    assert list(queries.products(catalog_company)) == [product]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"name": "  "}, "name"),
        ({"unit_price": "-1"}, "unit_price"),
        ({"unit_price": "1.23456"}, "unit_price"),
        ({"unit_price": "abc"}, "unit_price"),
        ({"unit_price": 1.5}, "unit_price"),
        ({"unit": "bucket"}, "unit"),
        ({"kind": "thing"}, "kind"),
        ({"currency": "XXX"}, "currency"),
        ({"vat_treatment": "nope"}, "vat_treatment"),
        ({"code": "x" * 51}, "code"),
    ],
)
def test_bad_input_names_the_field(
    catalog_company: Any, owner: Any, data: dict[str, Any], field: str
) -> None:
    values = {"name": "Стока", **data}
    with pytest.raises(InvalidInput) as raised:
        actions.create_product(Actor(owner), catalog_company, ProductInput.read(values))
    assert field in raised.value.errors
    assert not Product.objects.filter(company=catalog_company).exists()


def test_code_is_unique_per_company(
    catalog_company: Any, catalog_other: Any, make_product: Any, owner: Any
) -> None:
    first = make_product(catalog_company, code="A1")
    with pytest.raises(Conflict) as raised:
        actions.create_product(
            Actor(owner), catalog_company, ProductInput.read({"name": "Друг", "code": "A1"})
        )
    assert raised.value.field == "code" and str(first.pk) in (raised.value.link or "")
    make_product(catalog_other, code="A1")  # another company may use it
    second = make_product(catalog_company, code="")
    make_product(catalog_company, code="")  # empty codes do not clash
    with pytest.raises(Conflict):
        actions.update_product(Actor(owner), second, ProductInput.read_changes({"code": "A1"}))


def test_cannot_use_another_companys_vat_treatment(
    catalog_company: Any, catalog_other: Any, owner: Any
) -> None:
    foreign = VatTreatment.objects.get(company=catalog_other, code="standard")
    for value in (foreign, foreign.pk):
        with pytest.raises(InvalidInput) as raised:
            actions.create_product(
                Actor(owner),
                catalog_company,
                ProductInput.read({"name": "Стока", "vat_treatment": value}),
            )
        assert "vat_treatment" in raised.value.errors
    assert not Product.objects.filter(company=catalog_company).exists()


def test_inactive_treatment_refused_for_new_products(catalog_company: Any, owner: Any) -> None:
    exempt = VatTreatment.objects.get(company=catalog_company, code="exempt")
    product = actions.create_product(
        Actor(owner),
        catalog_company,
        ProductInput.read({"name": "Наем", "vat_treatment": "exempt"}),
    )
    actions.update_vat_treatment(
        Actor(owner), exempt, VatTreatmentInput.read_changes({"is_active": False})
    )
    with pytest.raises(InvalidInput):
        actions.create_product(
            Actor(owner),
            catalog_company,
            ProductInput.read({"name": "Друг наем", "vat_treatment": "exempt"}),
        )
    actions.update_product(
        Actor(owner),
        product,
        ProductInput.read_changes({"name": "Наем на офис", "vat_treatment": "exempt"}),
    )  # keeps it


@pytest.mark.parametrize("role", ["purchasing", "viewer"])
def test_roles_without_catalog_change(
    catalog_company: Any, make_member: Any, make_product: Any, role: str
) -> None:
    user = make_member(catalog_company, role)
    product = make_product(catalog_company)
    with pytest.raises(NotAllowed):
        actions.create_product(Actor(user), catalog_company, ProductInput.read({"name": "Х"}))
    with pytest.raises(NotAllowed):
        actions.update_product(Actor(user), product, ProductInput.read_changes({"name": "Х"}))
    with pytest.raises(NotAllowed):
        actions.archive_product(Actor(user), product)


def test_member_of_another_company_cannot_write(
    catalog_company: Any, catalog_other: Any, make_member: Any, make_product: Any
) -> None:
    stranger = make_member(catalog_other, "owner")
    product = make_product(catalog_company)
    with pytest.raises(NotAllowed):
        actions.update_product(Actor(stranger), product, ProductInput.read_changes({"name": "Х"}))


def test_search_is_case_insensitive_in_cyrillic(catalog_company: Any, make_product: Any) -> None:
    make_product(catalog_company, name="Уеб Дизайн", code="WEB")
    make_product(catalog_company, name="Хостинг", name_en="Hosting")
    assert [p.name for p in queries.products(catalog_company, q="уеб")] == ["Уеб Дизайн"]
    assert [p.name for p in queries.products(catalog_company, q="web дизайн")] == ["Уеб Дизайн"]
    assert [p.name for p in queries.products(catalog_company, q="HOST")] == ["Хостинг"]
    assert list(queries.products(catalog_company, q="няма")) == []


def test_unit_print_names() -> None:
    assert unit_print_name("pcs") == "бр."
    assert unit_print_name("set") == "к-т"
    assert unit_print_name("m2", "en") == "m²"
    assert unit_print_name("custom") == "custom"
