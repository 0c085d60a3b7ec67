"""REST: number series under /api/v1/number-series and print settings under
/api/v1/print-settings. Thin: checks the role, calls actions/queries."""

from __future__ import annotations

import datetime as dt
from typing import ClassVar

from django.http import Http404
from ninja import Router, Schema, Status

from xfinances.core.api_auth import require
from xfinances.core.schemas import InputSchema
from xfinances.core.tenancy import CompanyRequest
from xfinances.invoicing import actions, queries
from xfinances.invoicing.models import (
    NumberSeries,
    PrintSettings,
)

# The operation ids these had when they lived in invoicing/api.py: generated clients call
# operations by id, so moving the code does not rename them.
_OPERATION_ID = "xfinances_invoicing_api_{}"


# --- number series: /api/v1/number-series -------------------------------------------------------

series_router = Router(tags=["number series"])


class SeriesOut(Schema):
    id: int
    group: str
    name: str
    range_start: int
    range_end: int
    next_number: int
    remaining: int
    last_issue_date: dt.date | None
    is_default: bool
    is_active: bool


class SeriesIn(InputSchema):
    group: str = "tax"
    name: str = ""
    range_start: int
    range_end: int
    is_default: bool = False


class SeriesPatch(InputSchema):
    name: str | None = None
    is_default: bool | None = None
    range_start: int | None = None
    range_end: int | None = None


def _series(request: CompanyRequest, series_id: int) -> NumberSeries:
    found = queries.series_list(request.company).filter(pk=series_id).first()
    if found is None:
        raise Http404
    return found


@series_router.get(
    "",
    response=list[SeriesOut],
    summary="Number series with what is left",
    operation_id=_OPERATION_ID.format("list_series"),
)
def list_series(request: CompanyRequest, group: str = "") -> list[NumberSeries]:
    require(request, "documents.view")
    return list(queries.series_list(request.company, group))


@series_router.post(
    "",
    response={201: SeriesOut},
    summary="A new range (e.g. a branch)",
    operation_id=_OPERATION_ID.format("create_series"),
)
def create_series(request: CompanyRequest, data: SeriesIn) -> Status[NumberSeries]:
    require(request, "documents.settings")
    series = actions.create_series(request.actor, request.company, **data.model_dump())
    return Status(201, series)


@series_router.get(
    "/{int:series_id}",
    response=SeriesOut,
    summary="One series",
    operation_id=_OPERATION_ID.format("read_series"),
)
def read_series(request: CompanyRequest, series_id: int) -> NumberSeries:
    require(request, "documents.view")
    return _series(request, series_id)


@series_router.patch(
    "/{int:series_id}",
    response=SeriesOut,
    summary="Rename, default, range",
    operation_id=_OPERATION_ID.format("patch_series"),
)
def patch_series(request: CompanyRequest, series_id: int, data: SeriesPatch) -> NumberSeries:
    require(request, "documents.settings")
    return actions.update_series(
        request.actor, _series(request, series_id), **data.model_dump(exclude_unset=True)
    )


@series_router.post(
    "/{int:series_id}/deactivate",
    response=SeriesOut,
    summary="Stop numbering from it",
    operation_id=_OPERATION_ID.format("deactivate_series"),
)
def deactivate_series(request: CompanyRequest, series_id: int) -> NumberSeries:
    require(request, "documents.settings")
    return actions.deactivate_series(request.actor, _series(request, series_id))


# --- print settings: /api/v1/print-settings -----------------------------------------------------

print_settings_router = Router(tags=["print settings"])


class PrintSettingsOut(Schema):
    accent_colour: str
    show_logo: bool
    show_qr: bool
    show_bgn_equivalent: bool
    show_signatures: bool
    footer_text: str
    custom_template_name: str
    custom_template: str


class PrintSettingsPatch(InputSchema):
    accent_colour: str | None = None
    show_logo: bool | None = None
    show_qr: bool | None = None
    show_bgn_equivalent: bool | None = None
    show_signatures: bool | None = None
    footer_text: str | None = None
    custom_template: str | None = None  # Typst source; "" for the standard template
    custom_template_name: str = ""

    long_text_fields: ClassVar[frozenset[str]] = frozenset({"custom_template"})


@print_settings_router.get(
    "",
    response=PrintSettingsOut,
    summary="How documents print",
    operation_id=_OPERATION_ID.format("read_print_settings"),
)
def read_print_settings(request: CompanyRequest) -> PrintSettings:
    require(request, "documents.view")
    return queries.print_settings(request.company)


@print_settings_router.patch(
    "",
    response=PrintSettingsOut,
    summary="Change layout choices, texts or the custom template",
    operation_id=_OPERATION_ID.format("patch_print_settings"),
)
def patch_print_settings(request: CompanyRequest, data: PrintSettingsPatch) -> PrintSettings:
    require(request, "documents.settings")
    return actions.update_print_settings(
        request.actor, request.company, **data.model_dump(exclude_unset=True)
    )
