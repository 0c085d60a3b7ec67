"""Shared by the sales-document pages: the scoped document lookup, links and messages."""

from __future__ import annotations

from django.contrib import messages
from django.http import (
    Http404,
    HttpRequest,
)
from django.urls import reverse
from django.utils.translation import gettext as _

from xfinances.core.exceptions import Conflict, InvalidInput, NotAllowed
from xfinances.core.tenancy import CompanyRequest
from xfinances.invoicing import queries
from xfinances.invoicing.models import Document


def _document(request: CompanyRequest, document_id: int) -> Document:
    found = queries.document(request.company, document_id)
    if found is None:
        raise Http404
    return found


def _detail_url(document: Document) -> str:
    return reverse("invoicing:detail", args=[document.company.eik, document.pk])


def _error_messages(error: InvalidInput | Conflict | NotAllowed) -> list[str]:
    if isinstance(error, InvalidInput):
        return [message for messages_ in error.errors.values() for message in messages_]
    if isinstance(error, Conflict):
        return [error.message]
    return [str(error)]


def _flash(request: HttpRequest, error: InvalidInput | Conflict | NotAllowed) -> None:
    for message in _error_messages(error):
        messages.error(request, message)


def _flash_warnings(request: HttpRequest, warnings: list[str]) -> None:
    for warning in warnings:
        messages.warning(request, warning)


def _pdf_name(document: Document) -> str:
    return f"{document.get_kind_display()} {document.number or _('draft')} {document.pk}.pdf"
