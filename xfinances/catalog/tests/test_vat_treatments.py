"""Seeding and editing VAT treatments."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from xfinances.catalog import actions
from xfinances.catalog.inputs import VatTreatmentInput
from xfinances.catalog.models import VatTreatment
from xfinances.catalog.vat_defaults import DEFAULT_VAT_TREATMENTS
from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict, InvalidInput, NotAllowed
from xfinances.core.models import AuditEntry


def test_seeding_creates_the_table_once(company: Any, actor_system: Any) -> None:
    # create_company seeded the table; seeding again adds nothing.
    assert actions.seed_vat_treatments(actor_system, company) == []
    codes = list(
        VatTreatment.objects.filter(company=company).order_by("pk").values_list("code", flat=True)
    )
    assert codes == [d["code"] for d in DEFAULT_VAT_TREATMENTS]
    assert AuditEntry.objects.filter(company=company, action="seed_vat_treatments").count() == len(
        codes
    )
    standard = VatTreatment.objects.get(company=company, code="standard")
    assert standard.rate == Decimal("20.00") and standard.nap_column == "02-11"
    export = VatTreatment.objects.get(company=company, code="export")
    assert export.rate == Decimal("0") and export.legal_basis == "чл. 28 от ЗДДС"
    eu_services = VatTreatment.objects.get(company=company, code="eu_services")
    assert eu_services.rate is None and eu_services.reverse_charge
    assert "обратно начисляване" in eu_services.legal_basis
    assert (
        VatTreatment.objects.get(company=company, code="not_registered").legal_basis
        == "чл. 113, ал. 9 от ЗДДС"
    )

    assert actions.seed_vat_treatments(actor_system, company) == []
    assert VatTreatment.objects.filter(company=company).count() == len(DEFAULT_VAT_TREATMENTS)


def test_seeding_keeps_edits_and_adds_missing(catalog_company: Any, actor_system: Any) -> None:
    exempt = VatTreatment.objects.get(company=catalog_company, code="exempt")
    actions.update_vat_treatment(
        actor_system, exempt, VatTreatmentInput.read_changes({"legal_basis": "чл. 46 от ЗДДС"})
    )
    VatTreatment.objects.filter(company=catalog_company, code="export").delete()
    created = actions.seed_vat_treatments(actor_system, catalog_company)
    assert [t.code for t in created] == ["export"]
    exempt.refresh_from_db()
    assert exempt.legal_basis == "чл. 46 от ЗДДС"


def test_seeding_is_per_company(catalog_company: Any, catalog_other: Any) -> None:
    assert VatTreatment.objects.filter(company=catalog_other).count() == len(DEFAULT_VAT_TREATMENTS)
    assert VatTreatment.objects.filter(company=catalog_company).count() == len(
        DEFAULT_VAT_TREATMENTS
    )


@pytest.mark.parametrize(
    "data",
    [
        {"rate": "0"},
        {"rate": None},
        {"rate": "20", "reverse_charge": True},
    ],
)
def test_zero_exempt_reverse_charge_need_legal_basis(
    catalog_company: Any, owner: Any, data: dict[str, Any]
) -> None:
    with pytest.raises(InvalidInput) as raised:
        actions.create_vat_treatment(
            Actor(owner),
            catalog_company,
            VatTreatmentInput.read({"code": "x", "name": "X", "legal_basis": " ", **data}),
        )
    assert "legal_basis" in raised.value.errors
    assert not VatTreatment.objects.filter(company=catalog_company, code="x").exists()


def test_removing_the_legal_basis_of_export_is_refused(catalog_company: Any, owner: Any) -> None:
    export = VatTreatment.objects.get(company=catalog_company, code="export")
    with pytest.raises(InvalidInput) as raised:
        actions.update_vat_treatment(
            Actor(owner), export, VatTreatmentInput.read_changes({"legal_basis": ""})
        )
    assert list(raised.value.errors) == ["legal_basis"]
    export.refresh_from_db()
    assert export.legal_basis == "чл. 28 от ЗДДС"


def test_owner_creates_and_edits_with_audit(catalog_company: Any, owner: Any) -> None:
    treatment = actions.create_vat_treatment(
        Actor(owner),
        catalog_company,
        VatTreatmentInput.read(
            {
                "code": "Exempt Art 46",
                "name": "Освободена (чл. 46)",
                "rate": "",
                "legal_basis": "чл. 46 от ЗДДС",
                "nap_column": "02-19",
            }
        ),
    )
    assert treatment.code == "exempt-art-46" and treatment.rate is None
    actions.update_vat_treatment(
        Actor(owner), treatment, VatTreatmentInput.read_changes({"name": "Освободена по чл. 46"})
    )
    entry = AuditEntry.objects.get(company=catalog_company, action="update_vat_treatment")
    assert entry.changes == {"name": ["Освободена (чл. 46)", "Освободена по чл. 46"]}
    assert entry.user == owner


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"rate": "120"}, "rate"),
        ({"rate": "abc"}, "rate"),
        ({"rate": "20.001"}, "rate"),
        ({"name": ""}, "name"),
        ({"code": "!!"}, "code"),
        ({"nap_column": "99-99"}, "nap_column"),
    ],
)
def test_bad_vat_treatment_input(
    catalog_company: Any, owner: Any, data: dict[str, Any], field: str
) -> None:
    values = {"code": "new", "name": "Нов", "rate": "20", **data}
    with pytest.raises(InvalidInput) as raised:
        actions.create_vat_treatment(Actor(owner), catalog_company, VatTreatmentInput.read(values))
    assert field in raised.value.errors


def test_duplicate_code_conflicts(catalog_company: Any, owner: Any) -> None:
    with pytest.raises(Conflict) as raised:
        actions.create_vat_treatment(
            Actor(owner),
            catalog_company,
            VatTreatmentInput.read({"code": "standard", "name": "Друга", "rate": "20"}),
        )
    assert raised.value.field == "code"


@pytest.mark.parametrize("role", ["accountant", "sales", "purchasing", "viewer"])
def test_only_owners_edit_vat_treatments(catalog_company: Any, make_member: Any, role: str) -> None:
    user = make_member(catalog_company, role)
    standard = VatTreatment.objects.get(company=catalog_company, code="standard")
    with pytest.raises(NotAllowed):
        actions.update_vat_treatment(
            Actor(user), standard, VatTreatmentInput.read_changes({"rate": "19"})
        )
    with pytest.raises(NotAllowed):
        actions.create_vat_treatment(
            Actor(user),
            catalog_company,
            VatTreatmentInput.read({"code": "n", "name": "N", "rate": "20"}),
        )
    standard.refresh_from_db()
    assert standard.rate == Decimal("20.00")
