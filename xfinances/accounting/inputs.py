"""Typed inputs of the accounting actions (core/inputs.py): the account mapping, a destination,
a manual export and the reopening of a VAT month. The pages, the API and the `export` command
build them; the actions never parse a string again.

Text bounds come from the model columns (`core.text_limits.limit_of`), so the form, the API and
the database agree on them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from xfinances.accounting import exporters
from xfinances.accounting.building import Period
from xfinances.accounting.models import (
    AccountMappingSettings,
    Channel,
    Destination,
    ExportBatch,
    Schedule,
    VatPeriodClose,
)
from xfinances.accounting.records import RecordKind
from xfinances.core import readers
from xfinances.core.exceptions import ErrorCollector, InvalidInput
from xfinances.core.inputs import ActionInput, Reader, choice, flag, reads, text
from xfinances.core.text_limits import limit_of
from xfinances.notifications.actions.webhooks import clean_webhook_url
from xfinances.notifications.models import WebhookEndpoint

#: The longest e-mail address (RFC 5321); the addresses live in a JSON list without a column.
MAX_EMAIL = 254


def _account(name: str) -> Reader:
    """An account number of the mapping (whether it is one is checked on the whole mapping)."""
    return text(max_length=limit_of(AccountMappingSettings, name))


def _revenue(value: object) -> dict[str, str]:
    """{VAT treatment code: account}; a treatment left empty takes the default account."""
    if value is None or value == "":
        return {}
    if not isinstance(value, Mapping):
        raise readers.ReadError(
            _("Give the revenue accounts as VAT treatment code and account pairs.")
        )
    limit = limit_of(AccountMappingSettings, "revenue_default")
    found = {}
    for code, account in value.items():
        number = readers.text("" if account is None else str(account), max_length=limit)
        if number:
            found[str(code)] = number
    return found


def _coefficient(value: object) -> Decimal:
    try:
        return readers.amount(
            Decimal(0) if value is None or value == "" else value,
            places=2,
            maximum=Decimal(1),
        )
    except readers.ReadError:
        raise readers.ReadError(_("Give a coefficient from 0.00 to 1.00.")) from None


@dataclass(frozen=True, kw_only=True)
class AccountMappingInput(ActionInput):
    """The accounts of the journal entries (records.AccountMapping), the VAT return's submitter
    and the partial credit coefficient. Always an update: `read_changes`."""

    revenue_default: str = reads(_account("revenue_default"), default="")
    receivables: str = reads(_account("receivables"), default="")
    payables: str = reads(_account("payables"), default="")
    vat_sales: str = reads(_account("vat_sales"), default="")
    vat_purchases: str = reads(_account("vat_purchases"), default="")
    purchases: str = reads(_account("purchases"), default="")
    cash: str = reads(_account("cash"), default="")
    bank: str = reads(_account("bank"), default="")
    other_money: str = reads(_account("other_money"), default="")
    exchange_gain: str = reads(_account("exchange_gain"), default="")
    exchange_loss: str = reads(_account("exchange_loss"), default="")
    write_off_expense: str = reads(_account("write_off_expense"), default="")
    write_off_income: str = reads(_account("write_off_income"), default="")
    revenue: dict[str, str] = reads(_revenue, default={})
    submitter: str = reads(
        text(max_length=limit_of(AccountMappingSettings, "submitter")), default=""
    )
    credit_coefficient: Decimal = reads(_coefficient, default=Decimal(0))


# ------------------------------------------------------------------------------ destinations


def folder_problem(folder: str) -> str:
    """Why files cannot be written into `folder` ('' when they can)."""
    if not folder:
        return str(_("Give the folder the accounting program reads."))
    path = Path(folder)
    if not path.is_absolute():
        return str(_("Give the folder's full path."))
    if not path.is_dir():
        return str(_("The folder %(folder)s does not exist.") % {"folder": folder})
    if not os.access(path, os.W_OK):
        return str(_("The folder %(folder)s is not writable.") % {"folder": folder})
    return ""


def _target(model: type[Destination] | type[ExportBatch]) -> Reader:
    """The name of one of the export formats (exporters.py)."""

    def read(value: object) -> str:
        name = readers.text(value, max_length=limit_of(model, "target"))
        if exporters.get(name) is None:
            raise readers.ReadError(_("Unknown format %(name)s.") % {"name": name})
        return name

    return read


def _name(value: object) -> str:
    name = readers.text(value, max_length=limit_of(Destination, "name"))
    if not name:
        raise readers.ReadError(_("Give the destination a name."))
    return name


def _kind_names(value: object) -> list[str]:
    """Record kinds as a list, or comma-separated (`sale,purchase`)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [k.strip() for k in value.split(",") if k.strip()]
    if isinstance(value, list | tuple):
        return [str(k) for k in value]
    raise readers.ReadError(_("Choose what to send."))


def _cannot_carry(kinds: list[str]) -> readers.ReadError:
    return readers.ReadError(_("The format cannot carry: %(kinds)s.") % {"kinds": ", ".join(kinds)})


def _known(kinds: list[str]) -> list[str]:
    if any(k not in RecordKind.__members__.values() for k in kinds):
        raise _cannot_carry(kinds)
    return kinds


def _send_kinds(value: object) -> list[str]:
    kinds = _kind_names(value)
    if not kinds:
        raise readers.ReadError(_("Choose what to send."))
    return _known(kinds)


def _emails(value: object) -> list[str]:
    """Addresses as a list, or separated by commas or semicolons (the form's one field)."""
    if value is None:
        return []
    if isinstance(value, str):
        parts: list[Any] = value.replace(";", ",").split(",")
    elif isinstance(value, list | tuple):
        parts = list(value)
    else:
        raise readers.ReadError(_("Enter text."))
    found = [readers.text(part, max_length=MAX_EMAIL) for part in parts]
    return [address for address in found if address]


@dataclass(frozen=True, kw_only=True)
class DestinationInput(ActionInput):
    """Where a company's documents go by themselves. Of `folder`, `emails` and `url` only the
    one of the channel is kept. `allow_http`: a plain http:// endpoint (tests, a local
    program)."""

    name: str = reads(_name, default="")
    target: str = reads(_target(Destination), default="")
    kinds: list[str] = reads(_send_kinds, default=[])
    schedule: str = reads(choice(Schedule.values, _("Choose when to send.")), default="")
    channel: str = reads(choice(Channel.values, _("Choose where to send.")), default="")
    folder: str = reads(text(max_length=limit_of(Destination, "folder")), default="")
    emails: list[str] = reads(_emails, default=[])
    url: str = reads(text(max_length=limit_of(WebhookEndpoint, "url")), default="")
    allow_http: bool = reads(flag, default=False)

    @classmethod
    def check_together(cls, values: Mapping[str, Any], errors: ErrorCollector) -> None:
        exporter = exporters.get(values.get("target", ""))
        kinds = values.get("kinds")
        if (
            exporter is not None
            and kinds
            and any(RecordKind(k) not in exporter.kinds for k in kinds)
        ):
            errors.add("kinds", _cannot_carry(kinds).message)
        channel = values.get("channel")
        if channel == Channel.FOLDER and "folder" in values:
            problem = folder_problem(values["folder"])
            if problem:
                errors.add("folder", problem)
        elif channel == Channel.EMAIL and "emails" in values:
            _check_emails(values["emails"], errors)
        elif channel == Channel.HTTPS and "url" in values:
            _check_url(values["url"], values.get("allow_http", False), errors)


def _check_emails(emails: list[str], errors: ErrorCollector) -> None:
    if not emails:
        errors.add("emails", _("Give the accountant's e-mail address."))
    for email in emails:
        try:
            validate_email(email)
        except ValidationError:
            errors.add("emails", _("%(email)s is not an e-mail address.") % {"email": email})


def _check_url(url: str, allow_http: bool, errors: ErrorCollector) -> None:
    try:
        clean_webhook_url(url)
    except InvalidInput as error:
        for message in error.errors.get("url", []):
            errors.add("url", message)
        return
    if not url.startswith("https://") and not allow_http:
        errors.add("url", _("Use an https:// address."))


# ------------------------------------------------------------------------------ exports


def _period(value: object) -> Period:
    if isinstance(value, Period):
        return value
    try:
        return Period.parse(readers.text(value, max_length=len("YYYY-MM")))
    except (readers.ReadError, ValueError):
        raise readers.ReadError(_("Give the month as YYYY-MM.")) from None


def _export_kinds(value: object) -> list[str] | None:
    """What to export; none given: every kind the format carries."""
    return _known(_kind_names(value)) or None


@dataclass(frozen=True, kw_only=True)
class ExportInput(ActionInput):
    """A manual export (the page, the API, `xfinances export`): a format, a month and what.
    The format and the month are required (their readers refuse an empty value)."""

    target: str = reads(_target(ExportBatch), default="")
    period: Period = reads(_period, default=None)
    kinds: list[str] | None = reads(_export_kinds, default=None)

    @classmethod
    def check_together(cls, values: Mapping[str, Any], errors: ErrorCollector) -> None:
        # Asked for a kind its format has no place for (write-offs or payments to Microinvest,
        # whose file holds VAT rows only), an export says so instead of leaving it out.
        exporter = exporters.get(values.get("target", ""))
        kinds = values.get("kinds")
        if exporter is not None and kinds:
            left = [k for k in kinds if RecordKind(k) not in exporter.kinds]
            if left:
                errors.add("kinds", _cannot_carry(left).message)


# ------------------------------------------------------------------------------ VAT close


def _reason(value: object) -> str:
    reason = readers.text(value, max_length=limit_of(VatPeriodClose, "reopen_reason"))
    if not reason:
        raise readers.ReadError(_("Say why the period is reopened."))
    return reason


@dataclass(frozen=True, kw_only=True)
class PeriodReopenInput(ActionInput):
    """Why an owner reopens a closed VAT month (kept on the close and in the audit)."""

    reason: str = reads(_reason, default="")
