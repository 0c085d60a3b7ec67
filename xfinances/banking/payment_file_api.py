"""REST for supplier payment files under /api/v1/banking: the changed IBANs of a payment
batch, making its pain.001 file (kept; the batch becomes sent to the bank), the files made and
downloading one again (the same bytes). Owners and accountants (`purchases.pay`); confirming
changed IBANs is an owner's (`purchases.confirm_iban`)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import Http404, HttpResponse
from ninja import Router, Schema, Status

from xfinances.banking import actions, queries
from xfinances.banking.models import PaymentFile, PaymentFileSchema
from xfinances.banking.payment_file_views import as_download
from xfinances.core.api_auth import require
from xfinances.core.schemas import InputSchema
from xfinances.core.tenancy import CompanyRequest
from xfinances.purchases import queries as purchases_queries
from xfinances.purchases.models import PaymentBatch

router = Router(tags=["banking"])


class IbanWarningOut(Schema):
    supplier: str
    invoice: str
    iban: str
    previous: str
    reason: str


class PaymentFileIn(InputSchema):
    account_id: int | None = None  # the company's bank account; empty: its first EUR account
    schema_version: str = PaymentFileSchema.V09.value
    execution_date: dt.date | None = None  # empty: today
    confirm_iban_changes: bool = False


class PaymentFileOut(Schema):
    id: int
    batch_id: int
    account_id: int
    schema_version: str
    message_id: str
    file_name: str
    execution_date: dt.date
    transfers: int
    total: str
    sha256: str
    iban_flags: list[IbanWarningOut]
    confirmed_by: str | None
    created_at: dt.datetime


def _out(f: PaymentFile) -> dict[str, Any]:
    return {
        "id": f.pk,
        "batch_id": f.batch_id,
        "account_id": f.account_id,
        "schema_version": f.schema,
        "message_id": f.message_id,
        "file_name": f.file_name,
        "execution_date": f.execution_date,
        "transfers": f.transfers,
        "total": str(f.total),
        "sha256": f.sha256,
        "iban_flags": f.iban_flags,
        "confirmed_by": f.confirmed_by.email if f.confirmed_by else None,
        "created_at": f.created_at,
    }


def _batch(request: CompanyRequest, payment_batch_id: int) -> PaymentBatch:
    batch = purchases_queries.payment_batch(request.company, payment_batch_id)
    if batch is None:
        raise Http404
    return batch


@router.get(
    "/payment-batches/{payment_batch_id}/iban-flags",
    response=list[IbanWarningOut],
    summary="Suppliers of a payment batch whose IBAN changed",
)
def iban_flags(request: CompanyRequest, payment_batch_id: int) -> list[dict[str, str]]:
    require(request, "purchases.pay")
    batch = _batch(request, payment_batch_id)
    return [w.as_dict() for w in actions.iban_flags(request.company, batch)]


@router.get(
    "/payment-batches/{payment_batch_id}/payment-files",
    response=list[PaymentFileOut],
    summary="The payment files made from a batch",
)
def list_payment_files(request: CompanyRequest, payment_batch_id: int) -> list[dict[str, Any]]:
    require(request, "purchases.pay")
    batch = _batch(request, payment_batch_id)
    return [_out(f) for f in queries.payment_files(request.company, batch)]


@router.post(
    "/payment-batches/{payment_batch_id}/payment-files",
    response={201: PaymentFileOut},
    summary="Make the batch's pain.001 payment file",
)
def make_payment_file(
    request: CompanyRequest, payment_batch_id: int, body: PaymentFileIn
) -> Status[dict[str, Any]]:
    require(request, "purchases.pay")
    batch = _batch(request, payment_batch_id)
    data = actions.PaymentFileInput.read(
        {
            "account": body.account_id,
            "schema": body.schema_version,
            "execution_date": body.execution_date,
            "confirm_iban_changes": body.confirm_iban_changes,
        }
    )
    made = actions.make_payment_file(request.actor, request.company, batch, data)
    return Status(201, _out(made))


@router.get("/payment-files/{payment_file_id}", summary="Download a payment file (as made)")
def download_payment_file(request: CompanyRequest, payment_file_id: int) -> HttpResponse:
    require(request, "purchases.pay")
    stored = queries.payment_file(request.company, payment_file_id)
    if stored is None:
        raise Http404
    return as_download(stored)
