"""The REST API under /api/v1/: one NinjaAPI, one router per app, errors as JSON."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import ValidationError as NinjaValidationError

from xfinances.accounting.api import router as accounting_router
from xfinances.banking.api import router as banking_router
from xfinances.catalog.api import router as products_router
from xfinances.catalog.api import vat_treatments_router
from xfinances.core.api import router as core_router
from xfinances.core.api_auth import TokenAuth
from xfinances.core.exceptions import Conflict, InvalidInput, NotAllowed
from xfinances.invoicing.api import router as documents_router
from xfinances.invoicing.delivery_api import documents_router as delivery_documents_router
from xfinances.invoicing.recurring_api import recurring_router
from xfinances.invoicing.series_api import print_settings_router, series_router
from xfinances.notifications.api import outbox_router, webhooks_router
from xfinances.parties.api import router as parties_router
from xfinances.payments.api import router as payments_router
from xfinances.purchases.api import router as supplier_invoices_router
from xfinances.treasury.api import router as treasury_router

api = NinjaAPI(
    title="XFINANCES API",
    version="1",
    description=(
        "Invoices, parties, payments, cash and bank of Bulgarian companies. Authenticate with "
        "`Authorization: Bearer <token>` (`xfinances token --email …`); choose the company "
        "with `X-Company: <ЕИК>` when your user belongs to several."
    ),
    auth=TokenAuth(),
    urls_namespace="api",
)


@api.exception_handler(InvalidInput)
def _invalid(request: HttpRequest, error: InvalidInput) -> HttpResponse:
    return api.create_response(
        request, {"detail": _("Invalid input."), "errors": error.errors}, status=422
    )


@api.exception_handler(NinjaValidationError)
def _schema_invalid(request: HttpRequest, error: NinjaValidationError) -> HttpResponse:
    """Malformed request bodies and parameters, in the same shape as an action's refusal."""
    errors: dict[str, list[str]] = {}
    for item in error.errors:
        location = [str(part) for part in item.get("loc", ())]
        if location[:1] == ["body"]:
            location = location[2:]  # "body", then the view's parameter name
        elif location[:1] in (["query"], ["path"], ["header"], ["cookie"]):
            location = location[1:]
        field = ".".join(location) or "__all__"
        errors.setdefault(field, []).append(str(item.get("msg", _("Invalid value."))))
    return api.create_response(
        request, {"detail": _("Invalid input."), "errors": errors}, status=422
    )


@api.exception_handler(Conflict)
def _conflict(request: HttpRequest, error: Conflict) -> HttpResponse:
    body = {"detail": error.message, "errors": {error.field: [error.message]}, "link": error.link}
    return api.create_response(request, body, status=409)


@api.exception_handler(NotAllowed)
def _not_allowed(request: HttpRequest, error: NotAllowed) -> HttpResponse:
    return api.create_response(request, {"detail": str(error)}, status=403)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, error: Http404) -> HttpResponse:
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


# One router per app, mounted under /api/v1/.
api.add_router("/", core_router)
api.add_router("/parties", parties_router)
api.add_router("/payments", payments_router)
api.add_router("/supplier-invoices", supplier_invoices_router)
api.add_router("/documents", documents_router)
api.add_router("/number-series", series_router)
api.add_router("/print-settings", print_settings_router)
api.add_router("/recurring-invoices", recurring_router)
api.add_router("/documents", delivery_documents_router)
api.add_router("/outbox", outbox_router)
api.add_router("/webhooks", webhooks_router)
api.add_router("/treasury", treasury_router)
api.add_router("/products", products_router)
api.add_router("/vat-treatments", vat_treatments_router)
api.add_router("/accounting", accounting_router)
api.add_router("/banking", banking_router)
