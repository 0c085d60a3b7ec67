"""Reading a document's header: party, series, dates, currency, bank accounts."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from xfinances.catalog.models import VatTreatment
from xfinances.core import readers
from xfinances.core.exceptions import InvalidInput
from xfinances.core.models import Company, CompanyBankAccount, Currency
from xfinances.core.money import MoneyError, to_decimal
from xfinances.invoicing.models import (
    DocumentKind,
    DocumentLanguage,
    NumberSeries,
    PaymentMethod,
    series_group_of,
)
from xfinances.parties.models import Party

# --- small readers -----------------------------------------------------------------------------


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _decimal(value: Any, name: str, errors: Any, default: Decimal | None = None) -> Decimal | None:
    if value in (None, ""):
        return default
    try:
        return readers.within_amount_range(to_decimal(value))
    except MoneyError:
        errors.add(name, _("Enter a number."))
        return default
    except readers.ReadError as error:
        errors.add(name, error.message)
        return default


def _date(value: Any, name: str, errors: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        if isinstance(value, dt.datetime):
            day = value.date()
        elif isinstance(value, dt.date):
            day = value
        else:
            day = dt.date.fromisoformat(str(value))
    except ValueError:
        errors.add(name, _("Enter a date as YYYY-MM-DD."))
        return None
    try:
        return readers.within_bounds(day)
    except readers.ReadError as error:
        errors.add(name, error.message)
        return None


def _party(company: Company, value: Any, errors: Any) -> Party | None:
    if value in (None, ""):
        return None
    if isinstance(value, Party):
        if value.company_id != company.pk:
            errors.add("party_id", _("Choose a client of this company."))
            return None
        return value
    try:
        found = Party.objects.filter(company=company, pk=int(value)).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        errors.add("party_id", _("Choose a client of this company."))
    return found


def _series(company: Company, value: Any, errors: Any) -> NumberSeries | None:
    if value in (None, ""):
        return None
    pk = value.pk if isinstance(value, NumberSeries) else value
    try:
        found = NumberSeries.objects.filter(company=company, pk=int(pk)).first()
    except (TypeError, ValueError):
        found = None
    if found is None:
        errors.add("series_id", _("Choose a number series of this company."))
    return found


def _treatment(company: Company, value: Any) -> VatTreatment | None:
    if isinstance(value, VatTreatment):
        return value if value.company_id == company.pk else None
    if value in (None, ""):
        return None
    found = VatTreatment.objects.filter(company=company, code=str(value)).first()
    if found is None and str(value).isdigit():
        found = VatTreatment.objects.filter(company=company, pk=int(value)).first()
    return found


# --- header and lines --------------------------------------------------------------------------


def _bank_account_ids(company: Company, value: Any, errors: Any) -> list[int]:
    """Ids of the company's own bank accounts to print; empty: its default account."""
    if value in (None, ""):
        return []
    if isinstance(value, str):
        value = [part for part in value.replace(";", ",").split(",") if part.strip()]
    try:
        wanted = [int(item.pk if isinstance(item, CompanyBankAccount) else item) for item in value]
    except (TypeError, ValueError):
        errors.add("bank_account_ids", _("Choose bank accounts of this company."))
        return []
    wanted = list(dict.fromkeys(wanted))
    found = set(
        CompanyBankAccount.objects.filter(company=company, pk__in=wanted).values_list(
            "pk", flat=True
        )
    )
    if len(found) != len(wanted):
        errors.add("bank_account_ids", _("Choose bank accounts of this company."))
        return []
    return wanted


def _clean_header(
    company: Company, kind: str, data: Mapping[str, Any], errors: Any = None
) -> dict[str, Any]:
    """Validate the header fields present in `data` (a `DraftInput.header()`, or the values a
    conversion or note takes from its invoice); returns model values. With `errors` (a
    collector) the errors are added there for the caller to raise with the line errors."""
    own_errors = errors is None
    errors = InvalidInput.collect() if errors is None else errors
    clean: dict[str, Any] = {}
    if "party" in data or "party_id" in data:
        clean["party"] = _party(company, data.get("party", data.get("party_id")), errors)
    if "series" in data or "series_id" in data:
        series = _series(company, data.get("series", data.get("series_id")), errors)
        if series is not None and series.group != series_group_of(kind):
            errors.add("series_id", _("This series numbers other kinds of documents."))
        clean["series"] = series
    for name in ("issue_date", "tax_event_date", "due_date"):
        if name in data:
            clean[name] = _date(data[name], name, errors)
    readers.date_range(
        clean.get("issue_date"), clean.get("due_date"), end_field="due_date", errors=errors
    )
    for name in ("place_of_issue", "notes", "terms", "note_reason", "issued_by_name"):
        if name in data:
            clean[name] = str(data[name] or "").strip()
    if "place_of_issue" in clean:
        clean["place_of_issue"] = clean["place_of_issue"][:100]
    if "issued_by_name" in clean:
        clean["issued_by_name"] = clean["issued_by_name"][:200]
    if "payment_method" in data:
        clean["payment_method"] = data["payment_method"] or PaymentMethod.BANK_TRANSFER
        if clean["payment_method"] not in PaymentMethod.values:
            errors.add("payment_method", _("Unknown payment method."))
    if "currency" in data:
        clean["currency"] = str(data["currency"] or "EUR").strip().upper()
        if clean["currency"] not in Currency.values:
            errors.add("currency", _("Unknown currency."))
    if "language" in data:
        clean["language"] = data["language"] or "bg"
        if clean["language"] not in DocumentLanguage.values:
            errors.add("language", _("Choose bg, en or bg-en."))
    if "document_discount_percent" in data:
        percent = _decimal(
            data["document_discount_percent"], "document_discount_percent", errors, Decimal(0)
        )
        if percent is not None and not Decimal(0) <= percent <= Decimal(100):
            errors.add("document_discount_percent", _("A percent between 0 and 100."))
        clean["document_discount_percent"] = percent
    if "is_advance" in data:
        clean["is_advance"] = bool(data["is_advance"])
        if clean["is_advance"] and kind != DocumentKind.INVOICE:
            errors.add("is_advance", _("Only an invoice can be an advance payment invoice."))
    if "exchange_rate" in data:
        rate = _decimal(data["exchange_rate"], "exchange_rate", errors)
        if rate is not None and rate <= 0:
            errors.add("exchange_rate", _("An exchange rate is greater than zero."))
            rate = None
        clean["manual_exchange_rate"] = rate
    if "bank_account_ids" in data:
        clean["bank_account_ids"] = _bank_account_ids(company, data["bank_account_ids"], errors)
    if own_errors:
        errors.raise_if_any()
    return clean
