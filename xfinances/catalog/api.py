"""REST: /api/v1/products and /api/v1/vat-treatments. Thin: checks the role, calls actions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.http import Http404
from ninja import Router, Schema, Status

from xfinances.catalog import actions, queries
from xfinances.catalog.inputs import ProductInput
from xfinances.catalog.models import Product, VatTreatment
from xfinances.core.api_auth import require
from xfinances.core.schemas import InputSchema
from xfinances.core.tenancy import CompanyRequest
from xfinances.core.text_limits import limits_of

router = Router(tags=["products"])
vat_treatments_router = Router(tags=["products"])

MAX_LIMIT = 200


class VatTreatmentOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    rate: Decimal | None
    legal_basis: str
    reverse_charge: bool
    nap_column: str
    is_active: bool
    sort_order: int


class ProductIn(InputSchema, action_input=ProductInput, wire={"vat_treatment": str}):
    """A whole product. On PUT, fields left out take these defaults. `vat_treatment` is the
    code of one of the company's VAT treatments (GET /vat-treatments)."""

    text_limits = limits_of(Product, "name", "name_en", "code", "description")


class ProductPatch(
    InputSchema, action_input=ProductInput, partial=True, wire={"vat_treatment": str}
):
    text_limits = ProductIn.text_limits


class ProductOut(Schema):
    id: int
    name: str
    name_en: str
    code: str
    kind: str
    unit: str
    unit_price: Decimal
    currency: str
    vat_treatment: str
    vat_rate: Decimal | None
    description: str
    is_active: bool


class ProductPage(Schema):
    count: int
    items: list[ProductOut]


def _out(product: Product) -> dict[str, Any]:
    return {
        "id": product.pk,
        "name": product.name,
        "name_en": product.name_en,
        "code": product.code,
        "kind": product.kind,
        "unit": product.unit,
        "unit_price": product.unit_price,
        "currency": product.currency,
        "vat_treatment": product.vat_treatment.code,
        "vat_rate": product.vat_treatment.rate,
        "description": product.description,
        "is_active": product.is_active,
    }


def _product(request: CompanyRequest, product_id: int) -> Product:
    found = queries.product(request.company, product_id)
    if found is None:
        raise Http404
    return found


@router.get("", response=ProductPage, summary="List products and services")
def list_products(
    request: CompanyRequest, q: str = "", archived: bool = False, offset: int = 0, limit: int = 50
) -> dict[str, Any]:
    require(request, "catalog.view")
    found = queries.products(request.company, q=q, archived=archived)
    offset, limit = max(offset, 0), min(max(limit, 1), MAX_LIMIT)
    return {"count": found.count(), "items": [_out(p) for p in found[offset : offset + limit]]}


@router.post("", response={201: ProductOut}, summary="Create a product or service")
def create_product(request: CompanyRequest, body: ProductIn) -> Status:
    require(request, "catalog.change")
    product = actions.create_product(request.actor, request.company, ProductInput.read(body.dict()))
    return Status(201, _out(product))


@router.get("/{int:product_id}", response=ProductOut, summary="Read a product or service")
def read_product(request: CompanyRequest, product_id: int) -> dict[str, Any]:
    require(request, "catalog.view")
    return _out(_product(request, product_id))


@router.put("/{int:product_id}", response=ProductOut, summary="Replace a product or service")
def replace_product(request: CompanyRequest, product_id: int, body: ProductIn) -> dict[str, Any]:
    require(request, "catalog.change")
    product = _product(request, product_id)
    return _out(
        actions.update_product(request.actor, product, ProductInput.read_changes(body.dict()))
    )


@router.patch("/{int:product_id}", response=ProductOut, summary="Change some fields")
def patch_product(request: CompanyRequest, product_id: int, body: ProductPatch) -> dict[str, Any]:
    require(request, "catalog.change")
    product = _product(request, product_id)
    data = {k: v for k, v in body.dict(exclude_unset=True).items() if v is not None}
    return _out(actions.update_product(request.actor, product, ProductInput.read_changes(data)))


@router.post("/{int:product_id}/archive", response=ProductOut, summary="Archive (never deleted)")
def archive_product(request: CompanyRequest, product_id: int) -> dict[str, Any]:
    require(request, "catalog.change")
    return _out(actions.archive_product(request.actor, _product(request, product_id)))


@router.post(
    "/{int:product_id}/restore", response=ProductOut, summary="Restore an archived product"
)
def restore_product(request: CompanyRequest, product_id: int) -> dict[str, Any]:
    require(request, "catalog.change")
    return _out(actions.restore_product(request.actor, _product(request, product_id)))


@vat_treatments_router.get("", response=list[VatTreatmentOut], summary="List VAT treatments")
def list_vat_treatments(request: CompanyRequest, active: bool = False) -> list[VatTreatment]:
    require(request, "catalog.view")
    return list(queries.vat_treatments(request.company, active_only=active))
