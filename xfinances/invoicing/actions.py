"""Every write to sales documents: drafts, issue, edit, void, conversions, notes, copies,
number series, stored PDFs and API idempotency keys.

Each action is one transaction, takes the acting user first, checks the role, validates (an
`InvalidInput` naming the field, nothing changed), writes the audit trail, and schedules the
PDF only after commit. Totals come only from `totals.py`; the number only from `numbering.py`.
See docs/sales-documents.md for the rules.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, models, transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from xfinances.catalog.models import Product, VatTreatment
from xfinances.core import audit
from xfinances.core.arguments import ensure_known_fields
from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.models import Company, CompanyBankAccount, Currency, Source
from xfinances.core.money import BGN_PER_EUR, MoneyError, bgn_to_eur, round_to, to_decimal
from xfinances.core.permissions import ensure_can
from xfinances.core.queries import rate_value
from xfinances.invoicing import lifecycle, locks, model_rows, numbering, queries, schedule
from xfinances.invoicing.creditor_reference import rf_for_document
from xfinances.invoicing.exceptions import DocumentLocked, StaleDocument
from xfinances.invoicing.lifecycle import Transition
from xfinances.invoicing.models import (
    NOTE_KINDS,
    Document,
    DocumentKind,
    DocumentLanguage,
    DocumentLine,
    DocumentPdf,
    DocumentStatus,
    DocumentVatGroup,
    IdempotencyKey,
    NumberSeries,
    PaymentMethod,
    PrintSettings,
    RecurringInvoice,
    RecurringRun,
    RecurringSchedule,
    SeriesGroup,
    series_group_of,
)
from xfinances.invoicing.totals import (
    DocumentTotals,
    EurTotals,
    LineInput,
    TotalsError,
    compute_totals,
    convert_totals_to_eur,
)
from xfinances.invoicing.words import amount_in_words
from xfinances.parties.models import Party

EURO_DAY = dt.date(2026, 1, 1)  # documents dated earlier are in BGN (ЗВЕРБ)
INTRA_EU_GOODS_COLUMN = "02-15"
EU_VAT_COLUMNS = frozenset({"02-15", "02-17"})

HEADER_FIELDS = (
    "party",
    "issue_date",
    "tax_event_date",
    "due_date",
    "place_of_issue",
    "payment_method",
    "currency",
    "language",
    "notes",
    "terms",
    "document_discount_percent",
    "series",
    "is_advance",
    "note_reason",
    "issued_by_name",
    "exchange_rate",
    "bank_account_ids",
)
LINE_FIELDS = (
    "description",
    "quantity",
    "unit",
    "unit_price",
    "discount_percent",
    "vat_treatment",
    "product_id",
    "corrected_line_id",
    "advance_document_id",
)


def tax_event_max_days_after_issue() -> int:
    """How many days the tax event may follow the issue date (default 0: never in the future)."""
    return int(getattr(settings, "INVOICING_TAX_EVENT_MAX_DAYS_AFTER_ISSUE", 0))


def annulment_protocol_after_days() -> int:
    """A voided document older than this many days may be in the client's books already."""
    return int(getattr(settings, "INVOICING_ANNULMENT_PROTOCOL_AFTER_DAYS", 5))


def render_pdf_on_commit() -> bool:
    return bool(getattr(settings, "INVOICING_RENDER_PDF", True))


@dataclass
class DocumentResult:
    """What a document action returns: the document, and warnings that did not block it."""

    document: Document
    warnings: list[str] = field(default_factory=list)
    annulment_protocol: dict[str, Any] | None = None


@dataclass(frozen=True)
class CleanLine:
    description: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    discount_percent: Decimal
    vat_treatment: VatTreatment
    product: Product | None = None
    corrected_line: DocumentLine | None = None
    advance_document: Document | None = None


# --- small readers -----------------------------------------------------------------------------


def _today(today: dt.date | None) -> dt.date:
    return today or timezone.localdate()


def _decimal(value: Any, name: str, errors: Any, default: Decimal | None = None) -> Decimal | None:
    if value in (None, ""):
        return default
    try:
        return to_decimal(value)
    except MoneyError:
        errors.add(name, _("Enter a number."))
        return default


def _date(value: Any, name: str, errors: Any) -> dt.date | None:
    if value in (None, ""):
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors.add(name, _("Enter a date as YYYY-MM-DD."))
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
    """Validate the header fields present in `data`; returns model values. With `errors` (a
    collector) the errors are added there for the caller to raise with the line errors."""
    ensure_known_fields(data, [*HEADER_FIELDS, "party_id", "series_id"], "document")
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


def _clean_lines(
    company: Company,
    lines: Iterable[Mapping[str, Any]],
    *,
    corrected: Document | None,
    errors: Any = None,
) -> list[CleanLine]:
    """Validate the lines (errors as "lines.<n>.<field>", n from 1). With `errors` (a
    collector) the errors are added there for the caller to raise."""
    own_errors = errors is None
    errors = InvalidInput.collect() if errors is None else errors
    clean: list[CleanLine] = []
    for number, raw in enumerate(lines, start=1):
        where = f"lines.{number}"
        unknown = set(raw) - set(LINE_FIELDS) - {"product", "id", "net", "position"}
        if unknown:
            errors.add(where, _("Unknown line fields: %(f)s.") % {"f": ", ".join(sorted(unknown))})
            continue
        product = raw.get("product")
        product_id = raw.get("product_id")
        if product is None and product_id not in (None, ""):
            try:
                product = Product.objects.filter(company=company, pk=int(str(product_id))).first()
            except (TypeError, ValueError):
                product = None
            if product is None:
                errors.add(f"{where}.product_id", _("Choose a product of this company."))
        elif product is not None and product.company_id != company.pk:
            errors.add(f"{where}.product_id", _("Choose a product of this company."))
            product = None
        description = str(raw.get("description") or (product.name if product else "")).strip()
        if not description:
            errors.add(f"{where}.description", _("Describe the goods or service."))
        treatment_value = raw.get("vat_treatment") or (product.vat_treatment if product else None)
        treatment = _treatment(company, treatment_value)
        if treatment is None:
            errors.add(f"{where}.vat_treatment", _("Choose a VAT treatment of this company."))
        unit = str(raw.get("unit") or (product.unit if product else "pcs"))[:10]
        quantity = _decimal(raw.get("quantity"), f"{where}.quantity", errors, Decimal(1))
        default_price = product.unit_price if product else None
        unit_price = _decimal(raw.get("unit_price"), f"{where}.unit_price", errors, default_price)
        if unit_price is None:
            errors.add(f"{where}.unit_price", _("Enter the unit price without VAT."))
        discount = _decimal(
            raw.get("discount_percent"), f"{where}.discount_percent", errors, Decimal(0)
        )
        corrected_line = None
        if raw.get("corrected_line_id") not in (None, ""):
            if corrected is None:
                errors.add(f"{where}.corrected_line_id", _("Only a note corrects invoice lines."))
            else:
                try:
                    corrected_line = DocumentLine.objects.filter(
                        company=company, document=corrected, pk=int(raw["corrected_line_id"])
                    ).first()
                except (TypeError, ValueError):
                    corrected_line = None
                if corrected_line is None:
                    errors.add(
                        f"{where}.corrected_line_id", _("Choose a line of the corrected invoice.")
                    )
        advance = None
        if raw.get("advance_document_id") not in (None, ""):
            try:
                advance = Document.objects.filter(
                    company=company, pk=int(raw["advance_document_id"])
                ).first()
            except (TypeError, ValueError):
                advance = None
            if (
                advance is None
                or advance.kind != DocumentKind.INVOICE
                or not advance.is_advance
                or advance.status != DocumentStatus.ISSUED
            ):
                errors.add(
                    f"{where}.advance_document_id",
                    _("Choose an issued advance payment invoice of this company."),
                )
                advance = None
            elif quantity is not None and quantity >= 0:
                errors.add(
                    f"{where}.quantity",
                    _("A deduction of an advance has a negative quantity (e.g. -1)."),
                )
        if treatment is None or quantity is None or unit_price is None or discount is None:
            continue
        clean.append(
            CleanLine(
                description=description,
                quantity=quantity,
                unit=unit,
                unit_price=unit_price,
                discount_percent=discount,
                vat_treatment=treatment,
                product=product,
                corrected_line=corrected_line,
                advance_document=advance,
            )
        )
    if own_errors:
        errors.raise_if_any()
    return clean


def _line_inputs(lines: list[CleanLine]) -> list[LineInput]:
    return [
        LineInput(
            quantity=line.quantity,
            unit_price=line.unit_price,
            vat_rate=line.vat_treatment.effective_rate,
            vat_key=line.vat_treatment.code,
            discount_percent=line.discount_percent,
            credit_line=line.advance_document is not None,
        )
        for line in lines
    ]


@dataclass(frozen=True)
class Computed:
    totals: DocumentTotals  # in the document's entry currency (BGN for a note to a BGN invoice)
    eur: EurTotals | None
    rate: Decimal | None


def _compute(document: Document, lines: list[CleanLine]) -> Computed:
    """Totals through totals.py. A note to a BGN invoice is entered in BGN and issued in EUR."""
    entry_currency = document.original_currency or document.currency
    try:
        totals = compute_totals(
            _line_inputs(lines), document.document_discount_percent, entry_currency
        )
    except TotalsError as error:
        raise InvalidInput({error.path: [error.message]})
    rate: Decimal | None
    if entry_currency == "EUR":
        rate = Decimal(1)
    elif entry_currency == "BGN":
        rate = BGN_PER_EUR
    elif document.manual_exchange_rate:
        rate = document.manual_exchange_rate
    else:
        rate = rate_value(document.company, entry_currency, document.tax_event_date)
    eur = convert_totals_to_eur(totals, rate) if rate is not None else None
    return Computed(totals=totals, eur=eur, rate=rate)


def _apply_totals(document: Document, computed: Computed) -> None:
    totals, eur = computed.totals, computed.eur
    if document.original_currency:  # EUR document showing the BGN correction
        assert eur is not None
        document.original_base, document.original_vat = totals.base, totals.vat
        document.original_total = totals.total
        document.lines_net = sum((g.base for g in eur.groups), Decimal("0.00"))
        document.document_discount = Decimal("0.00")
        document.base, document.vat, document.total = eur.base, eur.vat, eur.total
        document.exchange_rate = Decimal(1)
        document.correction_total = totals.total
    else:
        document.lines_net = totals.lines_net
        document.document_discount = totals.document_discount
        document.base, document.vat, document.total = totals.base, totals.vat, totals.total
        document.exchange_rate = computed.rate
        document.correction_total = totals.total
    document.exchange_rate_date = document.tax_event_date if computed.rate is not None else None
    document.eur_base = eur.base if eur else Decimal("0.00")
    document.eur_vat = eur.vat if eur else Decimal("0.00")
    document.eur_total = eur.total if eur else Decimal("0.00")


LINE_COMPARED = (
    "position",
    "product_id",
    "description",
    "quantity",
    "unit",
    "unit_price",
    "discount_percent",
    "vat_treatment_id",
    "vat_code",
    "vat_rate",
    "legal_basis",
    "reverse_charge",
    "nap_column",
    "gross",
    "discount",
    "net",
    "corrected_line_id",
    "advance_document_id",
    "original_unit_price",
    "original_net",
)
GROUP_COMPARED = (
    "vat_treatment_id",
    "vat_code",
    "vat_rate",
    "legal_basis",
    "reverse_charge",
    "nap_column",
    "lines_net",
    "document_discount",
    "base",
    "vat",
    "total",
    "eur_base",
    "eur_vat",
    "eur_total",
)


def _same_rows(new: list[Any], stored: list[Any], names: tuple[str, ...]) -> bool:
    """True when `stored` rows already hold exactly what `new` would write (then an issue does
    not rewrite them: same rows, fewer writes)."""
    if len(new) != len(stored):
        return False
    return all(
        getattr(a, name) == getattr(b, name)
        for a, b in zip(new, stored, strict=True)
        for name in names
    )


def _save_lines(
    document: Document,
    lines: list[CleanLine],
    computed: Computed,
    stored: list[DocumentLine] | None = None,
    stored_groups: list[DocumentVatGroup] | None = None,
) -> None:
    """Replace the document's lines and VAT groups with `lines` (treatments frozen). With
    `stored` and `stored_groups` (the rows just read under the lock), rows that are already
    right stay as they are."""
    company = document.company
    rows = _line_rows(document, lines, computed)
    if stored is not None and _same_rows(rows, stored, LINE_COMPARED):
        _save_groups(document, lines, computed, stored=stored_groups)
        return
    try:
        DocumentLine.objects.filter(company=company, document=document).delete()
    except ProtectedError:
        raise Conflict(
            _("Notes or final invoices refer to this document's lines: correct it with a note."),
            field="lines",
        )
    DocumentLine.objects.bulk_create(rows)
    _save_groups(document, lines, computed)


def _line_rows(
    document: Document, lines: list[CleanLine], computed: Computed
) -> list[DocumentLine]:
    company = document.company
    bgn_entry = document.original_currency == "BGN"
    rows = []
    for position, (line, totals) in enumerate(
        zip(lines, computed.totals.lines, strict=True), start=1
    ):
        treatment = line.vat_treatment
        rows.append(
            DocumentLine(
                company=company,
                document=document,
                position=position,
                product=line.product,
                description=line.description,
                quantity=line.quantity,
                unit=line.unit,
                unit_price=round_to(line.unit_price / BGN_PER_EUR, 4)
                if bgn_entry
                else line.unit_price,
                discount_percent=line.discount_percent,
                vat_treatment=treatment,
                vat_code=treatment.code,
                vat_rate=treatment.rate,
                legal_basis=treatment.legal_basis,
                reverse_charge=treatment.reverse_charge,
                nap_column=treatment.nap_column,
                gross=bgn_to_eur(totals.gross) if bgn_entry else totals.gross,
                discount=bgn_to_eur(totals.discount) if bgn_entry else totals.discount,
                net=bgn_to_eur(totals.net) if bgn_entry else totals.net,
                corrected_line=line.corrected_line,
                advance_document=line.advance_document,
                original_unit_price=line.unit_price if bgn_entry else None,
                original_net=totals.net if bgn_entry else None,
            )
        )
    return rows


def _save_groups(
    document: Document,
    lines: list[CleanLine],
    computed: Computed,
    *,
    stored: list[DocumentVatGroup] | None = None,
) -> None:
    """Replace the VAT breakdown rows (EUR figures for a note to a BGN invoice). With `stored`
    (the rows just read under the lock), rows already right are kept."""
    company = document.company
    groups = _group_rows(document, lines, computed)
    if stored is not None and _same_rows(groups, stored, GROUP_COMPARED):
        return
    DocumentVatGroup.objects.filter(company=company, document=document).delete()
    DocumentVatGroup.objects.bulk_create(groups)


def _group_rows(
    document: Document, lines: list[CleanLine], computed: Computed
) -> list[DocumentVatGroup]:
    company = document.company
    bgn_entry = document.original_currency == "BGN"
    by_code = {line.vat_treatment.code: line.vat_treatment for line in lines}
    eur_groups = {(g.vat_key, g.vat_rate): g for g in computed.eur.groups} if computed.eur else {}
    groups = []
    for group in computed.totals.groups:
        treatment = by_code[group.vat_key]
        eur = eur_groups.get((group.vat_key, group.vat_rate))
        if bgn_entry:
            assert eur is not None
            base, vat, total, lines_net, discount = (
                eur.base,
                eur.vat,
                eur.total,
                eur.base,
                Decimal("0.00"),
            )
        else:
            base, vat, total = group.base, group.vat, group.total
            lines_net, discount = group.lines_net, group.document_discount
        groups.append(
            DocumentVatGroup(
                company=company,
                document=document,
                vat_treatment=treatment,
                vat_code=treatment.code,
                vat_rate=treatment.rate,
                legal_basis=treatment.legal_basis,
                reverse_charge=treatment.reverse_charge,
                nap_column=treatment.nap_column,
                lines_net=lines_net,
                document_discount=discount,
                base=base,
                vat=vat,
                total=total,
                eur_base=eur.base if eur else Decimal("0.00"),
                eur_vat=eur.vat if eur else Decimal("0.00"),
                eur_total=eur.total if eur else Decimal("0.00"),
            )
        )
    return groups


# The reads every issue makes are SQL written by hand (model_rows), sent in one round trip with
# the document lock: built by the ORM they cost 0.5–1 ms of Python each.


def _lines_read(document: Document) -> model_rows.Read[list[DocumentLine]]:
    """The saved lines by position, each with its VAT treatment and product."""
    line = model_rows.columns(DocumentLine, "l", connection)
    treatment = model_rows.columns(VatTreatment, "t", connection)
    product = model_rows.columns(Product, "p", connection)
    sql = (
        f"SELECT {line.sql}, {treatment.sql}, {product.sql} FROM invoicing_documentline l"  # noqa: S608 (model columns and placeholders)
        " JOIN catalog_vattreatment t ON t.id = l.vat_treatment_id"
        " LEFT JOIN catalog_product p ON p.id = l.product_id"
        " WHERE l.company_id = %s AND l.document_id = %s ORDER BY l.position, l.id"
    )

    def parse(found: list[tuple[Any, ...]]) -> list[DocumentLine]:
        rows = []
        for values in found:
            row = line.instance(values, connection)
            row.vat_treatment = treatment.instance(values, connection, line.width)
            row.product = product.instance_or_none(values, connection, line.width + treatment.width)
            rows.append(row)
        return rows

    return model_rows.Read(sql, [document.company_id, document.pk], parse)


def _groups_read(document: Document) -> model_rows.Read[list[DocumentVatGroup]]:
    """The saved VAT breakdown rows by id."""
    return model_rows.read_rows(
        DocumentVatGroup,
        "t.company_id = %s AND t.document_id = %s",
        [document.company_id, document.pk],
        order="t.id",
    )


def _bank_accounts_read(company: Company) -> model_rows.Read[list[CompanyBankAccount]]:
    """The company's bank accounts, the default one first."""
    return model_rows.read_rows(
        CompanyBankAccount, "t.company_id = %s", [company.pk], order="t.is_default DESC, t.id"
    )


def _stored_lines(document: Document) -> list[CleanLine]:
    """The document's saved lines as clean input (prices in the entry currency)."""
    return _stored_lines_and_rows(document)[0]


def _stored_lines_and_rows(
    document: Document,
    rows: list[DocumentLine] | None = None,
    known: Mapping[int, Document] | None = None,
) -> tuple[list[CleanLine], list[DocumentLine]]:
    """The saved lines as clean input and as rows (`rows`: already read by `_lines_read`).
    Advances (unless `known`, e.g. just locked) and corrected lines are read only when lines
    refer to them (one query each)."""
    if rows is None:
        rows = _lines_read(document).fetch()
    advance_ids = {row.advance_document_id for row in rows if row.advance_document_id}
    corrected_ids = {row.corrected_line_id for row in rows if row.corrected_line_id}
    advances = (
        Document.objects.filter(company_id=document.company_id).in_bulk(advance_ids)
        if advance_ids - set(known or {})
        else known or {}
    )
    corrected = (
        DocumentLine.objects.filter(company_id=document.company_id).in_bulk(corrected_ids)
        if corrected_ids
        else {}
    )
    clean = [
        CleanLine(
            description=line.description,
            quantity=line.quantity,
            unit=line.unit,
            unit_price=line.original_unit_price
            if line.original_unit_price is not None
            else line.unit_price,
            discount_percent=line.discount_percent,
            vat_treatment=line.vat_treatment,
            product=line.product,
            corrected_line=corrected.get(line.corrected_line_id)
            if line.corrected_line_id
            else None,
            advance_document=advances.get(line.advance_document_id)
            if line.advance_document_id
            else None,
        )
        for line in rows
    ]
    return clean, rows


def _lines_summary(document: Document) -> list[str]:
    """The lines as one audit value: "qty unit × price −disc% [vat] description"."""
    return [
        f"{line.quantity} {line.unit} × {line.unit_price} −{line.discount_percent}% "
        f"[{line.vat_code}] {line.description}"
        for line in queries.lines_of(document)
    ]


# --- snapshots ---------------------------------------------------------------------------------


def _freeze_recipient(document: Document, party: Party | None) -> None:
    if party is None:
        for name in (
            "kind",
            "name",
            "name_latin",
            "country",
            "city",
            "postcode",
            "address",
            "eik",
            "vat_number",
            "egn",
            "lnch",
            "mol",
            "email",
        ):
            setattr(document, f"recipient_{name}", "")
        return
    document.recipient_kind = party.kind
    document.recipient_name = party.name
    document.recipient_name_latin = party.name_latin
    document.recipient_country = party.country
    document.recipient_city = party.city
    document.recipient_postcode = party.postcode
    document.recipient_address = party.address
    document.recipient_eik = party.eik
    document.recipient_vat_number = party.vat_number
    document.recipient_egn = party.egn
    document.recipient_lnch = party.lnch
    document.recipient_mol = party.mol
    document.recipient_email = party.email


def _freeze_supplier(
    document: Document, company: Company, accounts: list[CompanyBankAccount] | None = None
) -> None:
    """The company as printed. `accounts`: all its bank accounts when the caller has read them
    (as `_bank_accounts_read`)."""
    document.supplier_name = company.name
    document.supplier_name_latin = company.name_latin
    document.supplier_country = company.country
    document.supplier_city = company.city
    document.supplier_postcode = company.postcode
    document.supplier_address = company.address
    document.supplier_eik = company.eik
    document.supplier_vat_number = company.vat_number if company.vat_registered else ""
    document.supplier_mol = company.mol
    document.supplier_bank_accounts = [
        {"iban": a.iban, "bic": a.bic, "bank_name": a.bank_name, "currency": a.currency}
        for a in printed_bank_accounts(company, document.bank_account_ids, accounts)
    ]


def printed_bank_accounts(
    company: Company, chosen: list[int], accounts: list[CompanyBankAccount] | None = None
) -> list[CompanyBankAccount]:
    """The accounts a document prints: the chosen ones (in the order chosen), else the company's
    default account (or its first one when none is marked default)."""
    if accounts is None:
        accounts = _bank_accounts_read(company).fetch()
    if chosen:
        by_id = {a.pk: a for a in accounts}
        return [by_id[pk] for pk in chosen if pk in by_id]
    return accounts[:1]


def search_text_of(document: Document, descriptions: Iterable[str]) -> str:
    """The lower-cased text a document is found by: number, recipient, identifiers, lines."""
    parts = [
        document.number or "",
        document.recipient_name,
        document.recipient_name_latin,
        document.recipient_eik,
        document.recipient_vat_number,
        *descriptions,
    ]
    return " ".join(" ".join(p.split()) for p in parts if p and p.strip()).casefold()


def _refresh_search_text(document: Document) -> None:
    descriptions = DocumentLine.objects.filter(
        company_id=document.company_id, document=document
    ).values_list("description", flat=True)
    text = search_text_of(document, descriptions)
    if text != document.search_text:
        document.search_text = text
        Document.objects.filter(pk=document.pk).update(search_text=text)


def _words(document: Document) -> str:
    language = "en" if document.language == DocumentLanguage.ENGLISH else "bg"
    try:
        return amount_in_words(abs(document.total), document.currency, language)
    except ValueError:
        return ""


# --- validation at issue -----------------------------------------------------------------------


def _validate_for_issue(
    document: Document, lines: list[CleanLine], computed: Computed, today: dt.date
) -> list[str]:
    """Refuse what must not be issued (InvalidInput naming the field); return warnings."""
    errors = InvalidInput.collect()
    is_tax = document.kind != DocumentKind.PROFORMA
    if document.party_id is None:
        errors.add("party_id", _("Choose the recipient."))
    elif document.party is not None and document.party.is_archived:
        errors.add(
            "party_id",
            _("The client “%(name)s” is archived: restore it or choose another client.")
            % {"name": document.party.name},
        )
    if not lines:
        errors.add("lines", _("Add at least one line."))
    if document.issue_date > today:
        errors.add("issue_date", _("A document cannot be issued with a future date."))
    allowed = tax_event_max_days_after_issue()
    if (document.tax_event_date - document.issue_date).days > allowed:
        errors.add(
            "tax_event_date",
            _("The tax event date cannot be after the issue date.")
            if allowed == 0
            else _("The tax event date can be at most %(days)d days after the issue date.")
            % {"days": allowed},
        )
    entry_currency = document.original_currency or document.currency
    if document.currency == "BGN" and document.issue_date >= EURO_DAY:
        errors.add("currency", _("Documents dated from 1 January 2026 are in EUR, not BGN."))
    if (
        document.currency == "EUR"
        and document.issue_date < EURO_DAY
        and not document.original_currency
    ):
        errors.add("currency", _("Documents dated before 1 January 2026 are in BGN."))
    if entry_currency not in ("EUR", "BGN") and computed.rate is None:
        errors.add(
            "exchange_rate",
            _("There is no %(currency)s rate for %(date)s: load the reference rates or enter one.")
            % {"currency": entry_currency, "date": document.tax_event_date.isoformat()},
        )
    needs_vat_number = False
    for number, line in enumerate(lines, start=1):
        treatment = line.vat_treatment
        if treatment.needs_legal_basis and not treatment.legal_basis.strip():
            errors.add(
                f"lines.{number}.vat_treatment",
                _(
                    "The VAT treatment “%(name)s” has no legal basis; 0 %%, "
                    "exempt and reverse-charge lines must print one."
                )
                % {"name": treatment.name},
            )
        if treatment.reverse_charge or treatment.nap_column in EU_VAT_COLUMNS:
            needs_vat_number = True
    if is_tax and document.party_id is not None:
        if (
            document.recipient_kind == "company"
            and document.recipient_country == "BG"
            and not document.recipient_eik
        ):
            errors.add("recipient_eik", _("A Bulgarian company needs its ЕИК on the document."))
        if needs_vat_number and not document.recipient_vat_number:
            errors.add(
                "recipient_vat_number",
                _("Reverse-charge and intra-EU supplies need the recipient's VAT number."),
            )
    if lines and document.total <= 0:
        errors.add("lines", _("The total must be greater than zero."))
    if document.kind in NOTE_KINDS:
        if not document.note_reason:
            errors.add("note_reason", _("Give the reason for the note."))
        corrected = document.corrected_document
        if (
            corrected is None
            or corrected.status != DocumentStatus.ISSUED
            or corrected.kind != DocumentKind.INVOICE
        ):
            errors.add("corrected_document_id", _("A note corrects an issued invoice."))
        elif document.issue_date < corrected.issue_date:
            errors.add("issue_date", _("A note cannot be dated before the invoice it corrects."))
    errors.raise_if_any()
    warnings: list[str] = []
    if is_tax:
        intra_eu = any(line.vat_treatment.nap_column == INTRA_EU_GOODS_COLUMN for line in lines)
        deadline = lifecycle.issuing_deadline(document.tax_event_date, intra_eu)
        if document.issue_date > deadline:
            warnings.append(
                _("The deadline to issue this document was %(date)s (ЗДДС art. 113(4)).")
                % {"date": deadline.isoformat()}
            )
    return warnings


def _check_ceilings(document: Document, lines: list[CleanLine]) -> None:
    """Under row locks (taken by the caller): credit notes never exceed the invoice (+ debit
    notes); an advance is never deducted beyond its base."""
    if document.kind == DocumentKind.CREDIT_NOTE and document.corrected_document_id:
        invoice = document.corrected_document
        assert invoice is not None
        remaining = queries.remaining_to_credit(invoice, exclude_id=document.pk)
        if document.correction_total > remaining:
            raise InvalidInput(
                {
                    "total": [
                        _(
                            "Credit notes can take back at most %(left)s %(currency)s more "
                            "from invoice %(number)s; this one is %(total)s."
                        )
                        % {
                            "left": remaining,
                            "currency": invoice.currency,
                            "number": invoice.number,
                            "total": document.correction_total,
                        }
                    ]
                }
            )
    deducted: dict[int, Decimal] = {}
    for line in lines:
        if line.advance_document is not None:
            deducted[line.advance_document.pk] = deducted.get(
                line.advance_document.pk, Decimal(0)
            ) + (-line.quantity * line.unit_price * (100 - line.discount_percent) / 100)
    for number, line in enumerate(lines, start=1):
        advance = line.advance_document
        if advance is None or advance.pk not in deducted:
            continue
        if advance.party_id != document.party_id or advance.currency != document.currency:
            raise InvalidInput(
                {
                    f"lines.{number}.advance_document_id": [
                        _("The advance must be for the same client and currency.")
                    ]
                }
            )
        left = advance.base - queries.advance_deducted(advance, exclude_document_id=document.pk)
        if deducted.pop(advance.pk) > left:
            raise InvalidInput(
                {
                    f"lines.{number}.unit_price": [
                        _(
                            "Only %(left)s %(currency)s of advance invoice "
                            "%(number)s is left to deduct."
                        )
                        % {"left": left, "currency": advance.currency, "number": advance.number}
                    ]
                }
            )


# --- PDF ---------------------------------------------------------------------------------------


def _schedule_pdf(document: Document) -> None:
    if not render_pdf_on_commit():
        return
    document_id = document.pk

    def enqueue() -> None:
        from xfinances.invoicing.tasks import render_document_pdf

        render_document_pdf(document_id)

    transaction.on_commit(enqueue)


def store_pdf(document: Document) -> bool:
    """Render the document with the company's print settings and keep the file (the previous
    PDF moves to DocumentPdf); a voided document that needs one gets its annulment protocol."""
    from xfinances.invoicing import pdf

    attach_pdf(document, queries.document_pdf(document))
    if (
        document.status == DocumentStatus.VOIDED
        and document.annulment_protocol_needed
        and not document.protocol_pdf_file
    ):
        protocol = pdf.render_annulment_protocol_pdf(queries.annulment_protocol_for(document))
        attach_protocol_pdf(document, bytes(protocol))
    return True


@transaction.atomic
def attach_protocol_pdf(document: Document, content: bytes) -> Document:
    """Keep the annulment protocol's PDF of a voided document. Made once: a rerun changes
    nothing (the protocol's facts — number, date, reason — never change after voiding)."""
    document = locks.lock_document(document.company, document.pk)
    if document.protocol_pdf_file:
        return document
    name = f"annulment-{document.number}-{document.pk}.pdf"
    document.protocol_pdf_file.save(name, ContentFile(content), save=False)
    document.protocol_pdf_sha256 = hashlib.sha256(content).hexdigest()
    document.save(update_fields=["protocol_pdf_file", "protocol_pdf_sha256"])
    return document


@transaction.atomic
def attach_pdf(document: Document, content: bytes) -> Document:
    """Make `content` the document's current PDF, keeping the previous one in the history.
    The same bytes again change nothing (a retried job is harmless)."""
    document = locks.lock_document(document.company, document.pk)
    digest = hashlib.sha256(content).hexdigest()
    if digest == document.pdf_sha256:
        return document
    now = timezone.now()
    if document.pdf_file:
        DocumentPdf.objects.create(
            company=document.company,
            document=document,
            version=document.pdf_version,
            file=document.pdf_file.name,
            sha256=document.pdf_sha256,
            rendered_at=document.pdf_rendered_at or now,
        )
    version = document.pdf_version + 1
    name = f"{document.kind}-{document.number or 'draft'}-{document.pk}-v{version}.pdf"
    document.pdf_file.save(name, ContentFile(content), save=False)
    document.pdf_sha256 = digest
    document.pdf_version = version
    document.pdf_rendered_at = now
    document.save(update_fields=["pdf_file", "pdf_sha256", "pdf_version", "pdf_rendered_at"])
    return document


# --- drafts ------------------------------------------------------------------------------------


def _defaults(company: Company, kind: str, party: Party | None, today: dt.date) -> dict[str, Any]:
    language = (party.language if party and party.language else company.document_language) or "bg"
    return {
        "issue_date": today,
        "place_of_issue": company.place_of_issue or company.city,
        "currency": "EUR" if today >= EURO_DAY else "BGN",
        "language": language,
        "payment_method": PaymentMethod.BANK_TRANSFER,
    }


def _due_date(company: Company, party: Party | None, issue_date: dt.date) -> dt.date:
    days = (
        party.payment_terms_days
        if party and party.payment_terms_days is not None
        else company.payment_terms_days
    )
    return issue_date + dt.timedelta(days=days)


def _check_version(document: Document, expected_version: int | None) -> None:
    if expected_version is not None and int(expected_version) != document.version:
        raise StaleDocument(
            _(
                "Someone changed this document in the meantime (version "
                "%(now)d, you had %(had)d): reload it."
            )
            % {"now": document.version, "had": int(expected_version)},
            field="version",
        )


def _write_draft(
    document: Document, header: dict[str, Any], lines: list[CleanLine] | None
) -> Document:
    """Apply cleaned values to a draft, recompute, save lines, groups and search text."""
    for key, value in header.items():
        setattr(document, key, value)
    if document.tax_event_date is None:
        document.tax_event_date = document.issue_date
    if lines is None:
        lines = _stored_lines(document) if document.pk else []
    computed = _compute(document, lines)
    _apply_totals(document, computed)
    _freeze_recipient(document, document.party)
    _freeze_supplier(document, document.company)
    document.amount_in_words = _words(document)
    document.save()
    _save_lines(document, lines, computed)
    _refresh_search_text(document)
    return document


@transaction.atomic
def create_draft(
    actor: Actor,
    company: Company,
    *,
    kind: str = DocumentKind.INVOICE,
    lines: Iterable[Mapping[str, Any]] = (),
    corrected_document: Document | None = None,
    today: dt.date | None = None,
    **data: Any,
) -> Document:
    """A new draft (no number). `lines`: dicts with description, quantity, unit, unit_price,
    discount_percent, vat_treatment (code), product_id, corrected_line_id, advance_document_id."""
    ensure_can(actor, company, "documents.change")
    if kind not in DocumentKind.values:
        raise InvalidInput({"kind": [_("Unknown kind of document.")]})
    if kind in NOTE_KINDS and corrected_document is None:
        raise InvalidInput(
            {
                "corrected_document_id": [
                    _("A note corrects an issued invoice: use the note actions.")
                ]
            }
        )
    errors = InvalidInput.collect()
    header = _clean_header(company, kind, data, errors)
    clean_lines = _clean_lines(company, list(lines), corrected=corrected_document, errors=errors)
    errors.raise_if_any()
    day = _today(today)
    values = {
        **_defaults(company, kind, header.get("party"), day),
        **{k: v for k, v in header.items() if v is not None or k in ("party", "series")},
    }
    if values.get("due_date") is None and kind != DocumentKind.PROTOCOL:
        values["due_date"] = _due_date(company, values.get("party"), values["issue_date"])
    document = Document(
        company=company,
        kind=kind,
        status=DocumentStatus.DRAFT,
        number_group=series_group_of(kind),
        created_by=actor.user,
        corrected_document=corrected_document,
    )
    if corrected_document is not None:
        document.corrected_number = corrected_document.number or ""
        document.corrected_issue_date = corrected_document.issue_date
        if corrected_document.currency == "BGN":
            values["currency"] = "EUR"
            document.original_currency = "BGN"
        else:
            values["currency"] = corrected_document.currency
    _write_draft(document, values, clean_lines)
    audit.record_create(actor, company, "create_draft", document)
    return document


@transaction.atomic
def update_draft(
    actor: Actor,
    document: Document,
    *,
    lines: Iterable[Mapping[str, Any]] | None = None,
    expected_version: int | None = None,
    **data: Any,
) -> Document:
    """Change a draft's fields; `lines`, when given, replace all its lines."""
    company = document.company
    ensure_can(actor, company, "documents.change")
    document = locks.lock_document(company, document.pk)
    if document.status != DocumentStatus.DRAFT:
        raise Conflict(
            _("Only a draft can be changed freely; an issued document needs a reason."),
            field="status",
        )
    _check_version(document, expected_version)
    errors = InvalidInput.collect()
    header = _clean_header(company, document.kind, data, errors)
    clean_lines = (
        _clean_lines(company, list(lines), corrected=document.corrected_document, errors=errors)
        if lines is not None
        else None
    )
    errors.raise_if_any()
    before = {**audit.snapshot(document), "lines": _lines_summary(document)}
    document.version += 1
    _write_draft(document, header, clean_lines)
    after = {**audit.snapshot(document), "lines": _lines_summary(document)}
    changes = audit.diff(before, after)
    if changes:
        audit.record_changes(actor, company, "update_draft", document, changes)
    return document


@transaction.atomic
def delete_draft(actor: Actor, document: Document) -> None:
    company = document.company
    ensure_can(actor, company, "documents.change")
    document = locks.lock_document(company, document.pk)
    if not lifecycle.can_transition(document.status, Transition.DELETE):
        raise Conflict(
            lifecycle.transition_refusal(document.status, Transition.DELETE), field="status"
        )
    audit.record_delete(actor, company, "delete_draft", document)
    document.delete()


# --- issue -------------------------------------------------------------------------------------


def _lock_for_issue(document: Document, lines: list[CleanLine]) -> dict[int, Document]:
    """Lock the document, the invoice it corrects and the advances `lines` deduct (by id
    order). `issue_document` locks the same with `locks.issue_lock`."""
    ids = {document.pk}
    if document.corrected_document_id:
        ids.add(document.corrected_document_id)
    ids.update(line.advance_document.pk for line in lines if line.advance_document is not None)
    return locks.lock_documents(document.company, ids)


DOCUMENT_FIELDS = {f.name: f for f in Document._meta.concrete_fields}


def _update_columns(document: Document, names: list[str]) -> None:
    """Write only the fields `names` of the document, as `save(update_fields=names)` would
    (the same conversion of each value), with SQL written by hand: Django's save machinery
    cost ~0.4 ms of Python on every issue. The caller sets `updated_at`."""
    fields = [DOCUMENT_FIELDS[name] for name in names]
    assignments = ", ".join(f"{connection.ops.quote_name(f.column)} = %s" for f in fields)
    values = [f.get_db_prep_save(getattr(document, f.attname), connection) for f in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {Document._meta.db_table} SET {assignments}"  # noqa: S608 (model columns)
            " WHERE company_id = %s AND id = %s",
            [*values, document.company_id, document.pk],
        )


@transaction.atomic
def issue_document(
    actor: Actor,
    document: Document,
    *,
    today: dt.date | None = None,
    expected_version: int | None = None,
) -> DocumentResult:
    """Validate, number, freeze and total a draft. Warnings (a missed deadline) do not block."""
    company = document.company
    ensure_can(actor, company, "documents.change")
    day = _today(today)
    # (imported here: notifications imports the invoicing models)
    from xfinances.notifications.actions import document_event, issue_facts_read

    # One round trip on PostgreSQL: lock the draft, the invoice it corrects and the advances it
    # deducts (by id order); then, under the lock, read its lines and VAT rows again, the
    # company's bank accounts and what the document.issued hook needs to know.
    locked, stored_rows, stored_groups, accounts, issue_facts = model_rows.fetch_together(
        locks.issue_lock(company, document.pk, document.corrected_document_id),
        _lines_read(document),
        _groups_read(document),
        _bank_accounts_read(company),
        issue_facts_read(document),
    )
    party_id = document.party_id
    document = locked[document.pk]
    if not lifecycle.can_transition(document.status, Transition.ISSUE):
        raise Conflict(
            lifecycle.transition_refusal(document.status, Transition.ISSUE), field="status"
        )
    _check_version(document, expected_version)
    if document.party_id != party_id:  # the client changed since the caller read the draft
        issue_facts = None
    if document.corrected_document_id:
        document.corrected_document = locked[document.corrected_document_id]
    lines, stored_rows = _stored_lines_and_rows(document, stored_rows, locked)
    before = audit.snapshot(document)
    _freeze_recipient(document, document.party)
    _freeze_supplier(document, company, accounts)
    computed = _compute(document, lines)
    _apply_totals(document, computed)
    warnings = _validate_for_issue(document, lines, computed, day)
    _check_ceilings(document, lines)
    # Lines and VAT groups first: the series row stays locked only for the last few writes.
    # Lines the draft already saved exactly as they would be written now are kept.
    _save_lines(document, lines, computed, stored_rows, stored_groups)
    series, number = numbering.take_number(
        company, document.series_id or None, document.issue_date, group=document.number_group
    )
    document.series = series
    document.number = number
    document.status = lifecycle.next_status(document.status, Transition.ISSUE)
    document.issued_at = timezone.now()
    document.issued_by = actor.user
    if not document.issued_by_name:
        document.issued_by_name = (actor.user.full_name or actor.user.email) if actor.user else ""
    document.amount_in_words = _words(document)
    if document.kind in (DocumentKind.INVOICE, DocumentKind.DEBIT_NOTE, DocumentKind.PROFORMA):
        document.rf_reference = rf_for_document(number)
    document.search_text = search_text_of(document, (line.description for line in lines))
    document.version += 1
    # Write only the columns the issue changed (and the audit diff from the same snapshot).
    after = audit.snapshot(document)
    changed = [name for name, value in after.items() if before.get(name) != value]
    document.updated_at = timezone.now()
    _update_columns(document, [*changed, "search_text", "updated_at"])
    after["updated_at"] = document.updated_at.isoformat()
    audit.record_update(actor, company, "issue_document", document, before, after=after)
    _schedule_pdf(document)
    document_event(actor, document, "document.issued", issue_facts=issue_facts)
    return DocumentResult(document, warnings)


# --- issued documents: edit and void -----------------------------------------------------------


def _ensure_unlocked(document: Document, day: dt.date) -> None:
    state = lifecycle.lock_of(document, day)
    if state.locked:
        raise DocumentLocked(state.message, field="status")


@transaction.atomic
def edit_issued_document(
    actor: Actor,
    document: Document,
    *,
    reason: str,
    lines: Iterable[Mapping[str, Any]] | None = None,
    expected_version: int | None = None,
    today: dt.date | None = None,
    **data: Any,
) -> DocumentResult:
    """Correct an issued, unlocked document. The number stays; every changed field is audited
    with its before/after value and the reason; the old PDF is kept and a new one rendered."""
    company = document.company
    ensure_can(actor, company, "documents.change")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": [_("Give the reason for changing an issued document.")]})
    day = _today(today)
    document = locks.lock_document(company, document.pk)
    if not lifecycle.can_transition(document.status, Transition.EDIT):
        raise Conflict(
            lifecycle.transition_refusal(document.status, Transition.EDIT), field="status"
        )
    _ensure_unlocked(document, day)
    _check_version(document, expected_version)
    data.pop("series", None)
    data.pop("series_id", None)
    header = _clean_header(company, document.kind, data)
    if "currency" in header and header["currency"] != document.currency:
        raise InvalidInput(
            {
                "currency": [
                    _(
                        "The currency of an issued document cannot "
                        "change: void it and issue a new one."
                    )
                ]
            }
        )
    clean_lines = (
        _clean_lines(company, list(lines), corrected=document.corrected_document)
        if lines is not None
        else _stored_lines(document)
    )
    locked = _lock_for_issue(document, clean_lines)
    if document.corrected_document_id:
        document.corrected_document = locked[document.corrected_document_id]
    before = {**audit.snapshot(document), "lines": _lines_summary(document)}
    party_before, date_before = document.party_id, document.issue_date
    for key, value in header.items():
        setattr(document, key, value)
    if document.party_id != party_before:
        _freeze_recipient(document, document.party)
    if "bank_account_ids" in header:
        document.supplier_bank_accounts = [
            {"iban": a.iban, "bic": a.bic, "bank_name": a.bank_name, "currency": a.currency}
            for a in printed_bank_accounts(company, document.bank_account_ids)
        ]
    if document.issue_date != date_before and document.series_id:
        others = Document.objects.filter(company=company, series_id=document.series_id).exclude(
            pk=document.pk
        )
        number = document.number or ""
        earlier = others.filter(number__lt=number, issue_date__gt=document.issue_date).exists()
        later = others.filter(number__gt=number, issue_date__lt=document.issue_date).exists()
        if earlier or later:
            raise InvalidInput(
                {
                    "issue_date": [
                        _("The new date would break the order of numbers and dates in the series.")
                    ]
                }
            )
    computed = _compute(document, clean_lines)
    _apply_totals(document, computed)
    warnings = _validate_for_issue(document, clean_lines, computed, day)
    _check_ceilings(document, clean_lines)
    if document.kind == DocumentKind.INVOICE and queries.remaining_to_credit(document) < 0:
        raise InvalidInput(
            {"total": [_("Issued credit notes already take back more than the new total.")]}
        )
    document.amount_in_words = _words(document)
    document.version += 1
    document.save()
    if lines is not None:
        _save_lines(document, clean_lines, computed)
    else:
        _save_groups(document, clean_lines, computed)
    _refresh_search_text(document)
    after = {**audit.snapshot(document), "lines": _lines_summary(document)}
    changes = audit.diff(before, after)
    changes.pop("version", None)
    changes.pop("updated_at", None)
    if changes:
        changes["version"] = [before["version"], document.version]
        audit.record_changes(actor, company, "edit_issued_document", document, changes, reason)
    _schedule_pdf(document)
    from xfinances.notifications.actions import document_event  # same transaction

    document_event(actor, document, "document.updated")
    return DocumentResult(document, warnings)


@transaction.atomic
def void_document(
    actor: Actor, document: Document, *, reason: str, today: dt.date | None = None
) -> DocumentResult:
    """Annul an issued, unlocked document. It keeps its number for ever; the result carries
    what the bilateral annulment protocol needs when the client may have booked it."""
    company = document.company
    ensure_can(actor, company, "documents.void")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"reason": [_("Give the reason for voiding the document.")]})
    day = _today(today)
    document = locks.lock_document(company, document.pk)
    if not lifecycle.can_transition(document.status, Transition.VOID):
        raise Conflict(
            lifecycle.transition_refusal(document.status, Transition.VOID), field="status"
        )
    _ensure_unlocked(document, day)
    if queries.notes_against(document).filter(status=DocumentStatus.ISSUED).exists():
        raise Conflict(_("Issued notes correct this invoice: void them first."), field="status")
    if DocumentLine.objects.filter(
        company=company, advance_document=document, document__status=DocumentStatus.ISSUED
    ).exists():
        raise Conflict(
            _("A final invoice deducts this advance: void that invoice first."), field="status"
        )
    before = audit.snapshot(document)
    document.status = lifecycle.next_status(document.status, Transition.VOID)
    document.void_reason = reason
    document.voided_at = timezone.now()
    document.voided_by = actor.user
    document.annulment_protocol_needed = lifecycle.needs_annulment_protocol(
        sent=document.sent_at is not None,
        issue_date=document.issue_date,
        today=day,
        after_days=annulment_protocol_after_days(),
    )
    document.version += 1
    document.save()
    audit.record_update(actor, company, "void_document", document, before, reason)
    _schedule_pdf(document)
    from xfinances.notifications.actions import document_event  # same transaction

    document_event(actor, document, "document.voided")
    protocol = None
    if document.annulment_protocol_needed:
        protocol = annulment_protocol_data(document)
    return DocumentResult(document, [], protocol)


def annulment_protocol_data(document: Document) -> dict[str, Any]:
    """What the bilateral annulment protocol prints (ЗДДС art. 116)."""
    return {
        "document_id": document.pk,
        "kind": document.kind,
        "number": document.number,
        "issue_date": document.issue_date,
        "total": document.total,
        "currency": document.currency,
        "reason": document.void_reason,
        "voided_at": document.voided_at,
        "supplier": {
            "name": document.supplier_name,
            "eik": document.supplier_eik,
            "mol": document.supplier_mol,
        },
        "recipient": {
            "name": document.recipient_name,
            "eik": document.recipient_eik,
            "mol": document.recipient_mol,
        },
    }


# --- conversions, notes, copies ----------------------------------------------------------------


def _copy_lines(source: Document, *, link_lines: bool = False) -> list[dict[str, Any]]:
    rows = []
    for line in queries.lines_of(source):
        row: dict[str, Any] = {
            "description": line.description,
            "quantity": line.quantity,
            "unit": line.unit,
            "unit_price": line.original_unit_price
            if line.original_unit_price is not None
            else line.unit_price,
            "discount_percent": line.discount_percent,
            "vat_treatment": line.vat_treatment,
            "product_id": line.product_id,
        }
        if line.advance_document_id:
            row["advance_document_id"] = line.advance_document_id
        if link_lines:
            row["corrected_line_id"] = line.pk
        rows.append(row)
    return rows


@transaction.atomic
def convert_proforma(
    actor: Actor,
    proforma: Document,
    *,
    issue: bool = True,
    today: dt.date | None = None,
    **data: Any,
) -> DocumentResult:
    """Make the invoice for an issued proforma: same client and lines, linked; the proforma is
    marked converted. With `issue` the invoice is issued at once (all or nothing)."""
    company = proforma.company
    ensure_can(actor, company, "documents.change")
    proforma = locks.lock_document(company, proforma.pk)
    if proforma.kind != DocumentKind.PROFORMA or proforma.status != DocumentStatus.ISSUED:
        raise Conflict(_("Only an issued proforma invoice can be converted."), field="status")
    if proforma.converted_at is not None:
        invoice = proforma.converted_invoices.first()
        raise Conflict(
            _("This proforma was already converted into invoice %(number)s.")
            % {"number": (invoice.number or _("draft")) if invoice else "?"},
            field="status",
        )
    day = _today(today)
    values = {
        "party": proforma.party,
        "currency": proforma.currency,
        "language": proforma.language,
        "payment_method": proforma.payment_method,
        "place_of_issue": proforma.place_of_issue,
        "notes": proforma.notes,
        "terms": proforma.terms,
        "document_discount_percent": proforma.document_discount_percent,
        "is_advance": data.pop("is_advance", False),
    }
    values.update(data)
    invoice = create_draft(
        actor, company, kind=DocumentKind.INVOICE, lines=_copy_lines(proforma), today=day, **values
    )
    invoice.proforma = proforma
    invoice.save(update_fields=["proforma"])
    before = audit.snapshot(proforma)
    proforma.converted_at = timezone.now()
    proforma.version += 1
    proforma.save(update_fields=["converted_at", "version", "updated_at"])
    audit.record_update(actor, company, "convert_proforma", proforma, before)
    if issue:
        return issue_document(actor, invoice, today=day)
    return DocumentResult(invoice)


def _create_note(
    actor: Actor,
    invoice: Document,
    kind: str,
    *,
    reason: str,
    lines: Iterable[Mapping[str, Any]] | None,
    issue: bool,
    today: dt.date | None,
    data: dict[str, Any],
) -> DocumentResult:
    company = invoice.company
    ensure_can(actor, company, "documents.change")
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput({"note_reason": [_("Give the reason for the note.")]})
    invoice = locks.lock_document(company, invoice.pk)
    if invoice.kind != DocumentKind.INVOICE or invoice.status != DocumentStatus.ISSUED:
        raise InvalidInput({"corrected_document_id": [_("A note corrects an issued invoice.")]})
    full = lines is None
    if full and kind == DocumentKind.DEBIT_NOTE:
        raise InvalidInput(
            {"lines": [_("A debit note needs the lines that increase the invoice.")]}
        )
    rows: list[Mapping[str, Any]] = (
        list(_copy_lines(invoice, link_lines=True)) if full else list(lines or [])
    )
    if not rows:
        raise InvalidInput({"lines": [_("Add the lines the note corrects.")]})
    day = _today(today)
    values = {
        "party": invoice.party,
        "language": invoice.language,
        "payment_method": invoice.payment_method,
        "place_of_issue": invoice.place_of_issue,
        "document_discount_percent": invoice.document_discount_percent if full else Decimal(0),
        "note_reason": reason,
    }
    values.update(data)
    note = create_draft(
        actor, company, kind=kind, lines=rows, corrected_document=invoice, today=day, **values
    )
    note.is_full_cancellation = full and kind == DocumentKind.CREDIT_NOTE
    note.save(update_fields=["is_full_cancellation"])
    if kind == DocumentKind.CREDIT_NOTE:
        _check_ceilings(note, [])
    if issue:
        return issue_document(actor, note, today=day)
    return DocumentResult(note)


@transaction.atomic
def create_credit_note(
    actor: Actor,
    invoice: Document,
    *,
    reason: str,
    lines: Iterable[Mapping[str, Any]] | None = None,
    issue: bool = False,
    today: dt.date | None = None,
    **data: Any,
) -> DocumentResult:
    """A credit note to `invoice`: without `lines` it cancels the invoice in full (its lines,
    linked); with lines it corrects some amounts. Never more than the invoice has left."""
    return _create_note(
        actor,
        invoice,
        DocumentKind.CREDIT_NOTE,
        reason=reason,
        lines=lines,
        issue=issue,
        today=today,
        data=data,
    )


@transaction.atomic
def create_debit_note(
    actor: Actor,
    invoice: Document,
    *,
    reason: str,
    lines: Iterable[Mapping[str, Any]],
    issue: bool = False,
    today: dt.date | None = None,
    **data: Any,
) -> DocumentResult:
    """A debit note increasing `invoice` by `lines`."""
    return _create_note(
        actor,
        invoice,
        DocumentKind.DEBIT_NOTE,
        reason=reason,
        lines=list(lines),
        issue=issue,
        today=today,
        data=data,
    )


@transaction.atomic
def copy_document(actor: Actor, document: Document, *, today: dt.date | None = None) -> Document:
    """A new draft with the same kind, client and lines (dates of today). Notes are not copied."""
    company = document.company
    ensure_can(actor, company, "documents.change")
    if document.kind in NOTE_KINDS:
        raise InvalidInput(
            {"kind": [_("A note corrects one invoice; create a new note instead of copying.")]}
        )
    day = _today(today)
    copy = create_draft(
        actor,
        company,
        kind=document.kind,
        lines=[row for row in _copy_lines(document) if "advance_document_id" not in row],
        today=day,
        party=document.party,
        currency=document.currency if document.currency != "BGN" or day < EURO_DAY else "EUR",
        language=document.language,
        payment_method=document.payment_method,
        place_of_issue=document.place_of_issue,
        notes=document.notes,
        terms=document.terms,
        document_discount_percent=document.document_discount_percent,
    )
    copy.copied_from = document
    copy.save(update_fields=["copied_from"])
    return copy


def advance_deduction_lines(advance: Document) -> list[dict[str, Any]]:
    """Lines that deduct what is left of `advance` on a final invoice: one per VAT group, a
    negative quantity with the advance's VAT treatment."""
    left = advance.base - queries.advance_deducted(advance)
    rows = []
    for group in advance.vat_groups.order_by("id"):
        amount = min(group.base, left)
        if amount <= 0:
            continue
        left -= amount
        rows.append(
            {
                "description": _("Deduction of the advance, invoice № %(number)s of %(date)s")
                % {"number": advance.number, "date": advance.issue_date.strftime("%d.%m.%Y")},
                "quantity": Decimal("-1"),
                "unit": "pcs",
                "unit_price": amount,
                "vat_treatment": group.vat_treatment,
                "advance_document_id": advance.pk,
            }
        )
    return rows


# --- number series -----------------------------------------------------------------------------


@transaction.atomic
def create_series(
    actor: Actor,
    company: Company,
    *,
    group: str,
    name: str,
    range_start: int,
    range_end: int,
    is_default: bool = False,
) -> NumberSeries:
    """A new range of numbers, e.g. 1000000001…1999999999 for a branch. Ranges of one group
    never overlap (numbers are unique per company)."""
    ensure_can(actor, company, "documents.settings")
    errors = InvalidInput.collect()
    if group not in SeriesGroup.values:
        errors.add("group", _("Choose tax documents or proformas."))
    name = (name or "").strip()[:100]
    if not name:
        errors.add("name", _("Name the series."))
    try:
        start, end = int(range_start), int(range_end)
    except (TypeError, ValueError):
        errors.add("range_start", _("Enter whole numbers."))
        errors.raise_if_any()
        raise
    if not 1 <= start <= end <= 9_999_999_999:
        errors.add(
            "range_end",
            _("A range runs from 1 to 9999999999, the first number not after the last."),
        )
    errors.raise_if_any()
    overlap = NumberSeries.objects.filter(
        company=company, group=group, range_start__lte=end, range_end__gte=start
    ).first()
    if overlap is not None:
        raise Conflict(
            _("The range overlaps the series “%(name)s”.") % {"name": overlap.name},
            field="range_start",
        )
    if is_default:
        NumberSeries.objects.filter(company=company, group=group, is_default=True).update(
            is_default=False
        )
    series = NumberSeries.objects.create(
        company=company,
        group=group,
        name=name,
        range_start=start,
        range_end=end,
        next_number=start,
        is_default=is_default,
    )
    audit.record_create(actor, company, "create_series", series)
    return series


def _series_in_use(series: NumberSeries) -> bool:
    return series.next_number != series.range_start or series.documents.exists()


@transaction.atomic
def update_series(
    actor: Actor,
    series: NumberSeries,
    *,
    name: str | None = None,
    is_default: bool | None = None,
    range_start: int | None = None,
    range_end: int | None = None,
) -> NumberSeries:
    """Rename a series, make it the default of its group, or change its range. The first number
    cannot change once numbers were taken; the last one never below a number already taken."""
    company = series.company
    ensure_can(actor, company, "documents.settings")
    series = locks.lock_series(company, series.pk)
    before = audit.snapshot(series)
    errors = InvalidInput.collect()
    if name is not None:
        clean_name = (name or "").strip()[:100]
        if not clean_name:
            errors.add("name", _("Name the series."))
        series.name = clean_name
    start, end = series.range_start, series.range_end
    try:
        if range_start is not None:
            start = int(range_start)
        if range_end is not None:
            end = int(range_end)
    except (TypeError, ValueError):
        errors.add("range_start", _("Enter whole numbers."))
    if start != series.range_start and _series_in_use(series):
        errors.add(
            "range_start",
            _("Numbers of this series were already given: its first number cannot change."),
        )
    if not 1 <= start <= end <= 9_999_999_999:
        errors.add(
            "range_end",
            _("A range runs from 1 to 9999999999, the first number not after the last."),
        )
    elif end < series.next_number - 1:
        errors.add(
            "range_end",
            _("Number %(n)s was already given: the range cannot end before it.")
            % {"n": numbering.format_number(series.next_number - 1)},
        )
    if is_default and not series.is_active:
        errors.add("is_default", _("Only an active series can be the default."))
    errors.raise_if_any()
    if (start, end) != (series.range_start, series.range_end):
        overlap = (
            NumberSeries.objects.filter(
                company=company, group=series.group, range_start__lte=end, range_end__gte=start
            )
            .exclude(pk=series.pk)
            .first()
        )
        if overlap is not None:
            raise Conflict(
                _("The range overlaps the series “%(name)s”.") % {"name": overlap.name},
                field="range_start",
            )
        if start != series.range_start:
            series.next_number = start
        series.range_start, series.range_end = start, end
    if is_default and not series.is_default:
        NumberSeries.objects.filter(company=company, group=series.group, is_default=True).update(
            is_default=False
        )
        series.is_default = True
    elif is_default is False and series.is_default:
        errors.add(
            "is_default",
            _("Make another series the default instead; each kind keeps one default."),
        )
        errors.raise_if_any()
    series.save()
    audit.record_update(actor, company, "update_series", series, before)
    return series


@transaction.atomic
def deactivate_series(actor: Actor, series: NumberSeries) -> NumberSeries:
    """Stop giving numbers from a series (its numbers stay on their documents for ever). The
    last active series of a group cannot go (documents would have nowhere to take a number);
    a default series hands the default to the next active one."""
    company = series.company
    ensure_can(actor, company, "documents.settings")
    series = locks.lock_series(company, series.pk)
    if not series.is_active:
        return series
    others = (
        NumberSeries.objects.select_for_update()
        .filter(company=company, group=series.group, is_active=True)
        .exclude(pk=series.pk)
        .order_by("range_start", "pk")
    )
    successor = next(iter(others), None)
    if successor is None:
        raise Conflict(
            _("This is the last active series for these documents: add another one first."),
            field="is_active",
        )
    before = audit.snapshot(series)
    series.is_active = False
    if series.is_default:
        series.is_default = False
        series.save(update_fields=["is_active", "is_default"])
        successor.is_default = True
        successor.save(update_fields=["is_default"])
    else:
        series.save(update_fields=["is_active"])
    audit.record_update(actor, company, "deactivate_series", series, before)
    return series


# --- API idempotency ---------------------------------------------------------------------------


@dataclass(frozen=True)
class IdempotentOutcome:
    document: Document | None
    replayed: bool
    status: int
    response: dict[str, Any]


def request_hash(method: str, path: str, body: bytes) -> str:
    return hashlib.sha256(b"\n".join([method.encode(), path.encode(), body])).hexdigest()


@transaction.atomic
def run_idempotent(
    company: Company,
    *,
    key: str,
    request_digest: str,
    run: Callable[[], tuple[Document, int, dict[str, Any]]],
) -> IdempotentOutcome:
    """Run `run` once per (company, key). A retry with the same request gets the first result;
    the same key with another request is a Conflict. Concurrent retries wait on the key row."""
    key = (key or "").strip()
    if not key or len(key) > 200:
        raise InvalidInput({"Idempotency-Key": [_("Use a key of 1 to 200 characters.")]})
    existing = IdempotencyKey.objects.filter(company=company, key=key).first()
    if existing is None:
        try:
            with transaction.atomic():
                row = IdempotencyKey.objects.create(
                    company=company, key=key, request_hash=request_digest
                )
        except IntegrityError:
            existing = IdempotencyKey.objects.get(company=company, key=key)
    if existing is not None:
        if existing.request_hash != request_digest:
            raise Conflict(
                _("This Idempotency-Key was used for a different request."), field="Idempotency-Key"
            )
        return IdempotentOutcome(
            existing.document, True, existing.response_status, existing.response
        )
    document, status, response = run()
    row.document = document
    row.response_status = status
    row.response = response
    row.save(update_fields=["document", "response_status", "response"])
    return IdempotentOutcome(document, False, status, response)


def mark_exported(actor: Actor, document: Document, *, when: dt.datetime | None = None) -> Document:
    """Called by the accounting export: the document locks for edits and voiding."""
    with transaction.atomic():
        document = locks.lock_document(document.company, document.pk)
        before = audit.snapshot(document)
        document.exported_at = when or timezone.now()
        document.export_status = "exported"
        document.locked_at = document.locked_at or document.exported_at
        document.lock_reason = document.lock_reason or "exported"
        document.save(update_fields=["exported_at", "export_status", "locked_at", "lock_reason"])
        audit.record_update(actor, document.company, "mark_exported", document, before)
    return document


# --- print settings ----------------------------------------------------------------------------


def _print_snapshot(settings: PrintSettings) -> dict[str, Any]:
    """The audited view of print settings: a custom template by name and content hash, not its
    whole text."""
    data = audit.snapshot(settings, exclude=["custom_template", "updated_at"])
    source = settings.custom_template.encode("utf-8")
    data["custom_template"] = hashlib.sha256(source).hexdigest()[:12] if source else ""
    return data


@transaction.atomic
def update_print_settings(
    actor: Actor,
    company: Company,
    *,
    accent_colour: str | None = None,
    show_logo: bool | None = None,
    show_qr: bool | None = None,
    show_bgn_equivalent: bool | None = None,
    show_signatures: bool | None = None,
    footer_text: str | None = None,
    custom_template: str | bytes | None = None,
    custom_template_name: str = "",
) -> PrintSettings:
    """Change how the company's documents print; what is not given stays. `custom_template`:
    the source of a Typst template (text or UTF-8 bytes), compiled against the sample documents
    before it is kept; "" goes back to the standard template. Documents already issued keep the
    PDF they were issued with; the settings apply to every PDF made from now on."""
    ensure_can(actor, company, "documents.settings")
    settings, _created = PrintSettings.objects.select_for_update().get_or_create(company=company)
    before = _print_snapshot(settings)
    errors = InvalidInput.collect()
    if accent_colour is not None:
        colour = (accent_colour or "").strip().lower()
        if not re.fullmatch(r"#[0-9a-f]{6}", colour):
            errors.add("accent_colour", _("Give a colour as #rrggbb, for example #1f4e79."))
        settings.accent_colour = colour
    flags = {
        "show_logo": show_logo,
        "show_qr": show_qr,
        "show_bgn_equivalent": show_bgn_equivalent,
        "show_signatures": show_signatures,
    }
    for name, value in flags.items():
        if value is not None:
            setattr(settings, name, bool(value))
    if footer_text is not None:
        footer = " ".join((footer_text or "").split())
        if len(footer) > 300:
            errors.add("footer_text", _("The footer text can be at most 300 characters."))
        settings.footer_text = footer
    if custom_template is not None:
        source = _checked_template(custom_template, custom_template_name, errors)
        if source is not None:
            settings.custom_template = source
            settings.custom_template_name = _plain_file_name(custom_template_name) if source else ""
    errors.raise_if_any()
    settings.save()
    audit.record_update(
        actor, company, "update_print_settings", settings, before, after=_print_snapshot(settings)
    )
    return settings


def _plain_file_name(name: str) -> str:
    """A name safe to offer back in a download's Content-Disposition."""
    plain = re.sub(r"[^\w.\-]+", "_", (name or "").split("/")[-1])
    return (plain.strip("._") or "template.typ")[:200]


def _checked_template(source: str | bytes, name: str, errors: Any) -> str | None:
    """The template's text when it prints the sample documents, "" for none, None (with the
    errors added) when it is refused."""
    from xfinances.invoicing import pdf

    if isinstance(source, bytes):
        try:
            source = source.decode("utf-8")
        except UnicodeDecodeError:
            errors.add("custom_template", _("A template is a text file in UTF-8."))
            return None
    if not source.strip():
        return ""
    if len(source.encode("utf-8")) > pdf.MAX_TEMPLATE_BYTES:
        errors.add(
            "custom_template",
            _("A template can be at most %(kib)s KiB.") % {"kib": pdf.MAX_TEMPLATE_BYTES // 1024},
        )
        return None
    if name and not name.lower().endswith(".typ"):
        errors.add("custom_template", _("A template is a Typst file ending in .typ."))
        return None
    path = pdf.template_file(source)
    problems = pdf.validate_custom_template(path)
    if problems:
        # "bg: custom-<hash>.typ: line 1, column 9: …" for each sample the template failed on:
        # one message per distinct error, naming the samples, without the internal file name.
        failed: dict[str, list[str]] = {}
        for problem in problems:
            sample, _sep, message = problem.partition(": ")
            failed.setdefault(message.replace(f"{path.name}: ", ""), []).append(sample)
        for message, samples in list(failed.items())[:5]:
            errors.add(
                "custom_template",
                _("The template does not print the sample (%(samples)s): %(error)s")
                % {"samples": ", ".join(samples), "error": message},
            )
        return None
    return source


# --- recurring invoices ------------------------------------------------------------------------

RECURRING_FIELDS = (
    "name",
    "party",
    "party_id",
    "lines",
    "currency",
    "language",
    "payment_method",
    "notes",
    "schedule",
    "day_of_month",
    "start_date",
    "end_date",
    "auto_issue",
    "auto_send",
)


def _clean_recurring(
    company: Company, data: Mapping[str, Any], *, current: RecurringInvoice | None
) -> dict[str, Any]:
    """Validate the fields present in `data` (all required ones when `current` is None)."""
    ensure_known_fields(data, RECURRING_FIELDS, "recurring invoice")
    errors = InvalidInput.collect()
    clean: dict[str, Any] = {}
    creating = current is None
    if "name" in data or creating:
        clean["name"] = str(data.get("name") or "").strip()[:200]
        if not clean["name"]:
            errors.add("name", _("Name the recurring invoice."))
    if "party" in data or "party_id" in data or creating:
        party = _party(company, data.get("party", data.get("party_id")), errors)
        if party is None and "party_id" not in errors.errors:
            errors.add("party_id", _("Choose the recipient."))
        elif party is not None and party.is_archived:
            errors.add("party_id", _("The client “%(name)s” is archived.") % {"name": party.name})
        clean["party"] = party
    if "lines" in data or creating:
        rows = [dict(row) for row in (data.get("lines") or [])]
        if not rows:
            errors.add("lines", _("Add at least one line."))
        else:
            checked = _clean_lines(company, rows, corrected=None, errors=errors)
            clean["lines"] = [_plain_line(line) for line in checked]
    if "currency" in data:
        clean["currency"] = str(data["currency"] or "EUR").strip().upper()
        if clean["currency"] not in Currency.values or clean["currency"] == "BGN":
            errors.add("currency", _("Invoices from 2026 are in EUR or a foreign currency."))
    if "language" in data:
        clean["language"] = data["language"] or ""
        if clean["language"] and clean["language"] not in DocumentLanguage.values:
            errors.add("language", _("Choose bg, en or bg-en."))
    if "payment_method" in data:
        clean["payment_method"] = data["payment_method"] or PaymentMethod.BANK_TRANSFER
        if clean["payment_method"] not in PaymentMethod.values:
            errors.add("payment_method", _("Unknown payment method."))
    if "notes" in data:
        clean["notes"] = str(data["notes"] or "").strip()
    if "schedule" in data or creating:
        clean["schedule"] = data.get("schedule") or RecurringSchedule.MONTHLY
        if clean["schedule"] not in RecurringSchedule.values:
            errors.add("schedule", _("Choose monthly, quarterly or yearly."))
    if "day_of_month" in data or creating:
        try:
            raw_day = data.get("day_of_month", 1)
            clean["day_of_month"] = int(raw_day if raw_day not in (None, "") else 1)
        except (TypeError, ValueError):
            clean["day_of_month"] = 0
        if not 1 <= clean["day_of_month"] <= 31:
            errors.add(
                "day_of_month",
                _("A day from 1 to 31 (31: the last day of shorter months)."),
            )
    for name in ("start_date", "end_date"):
        if name in data or (creating and name == "start_date"):
            clean[name] = _date(data.get(name), name, errors)
    if creating and clean.get("start_date") is None and "start_date" not in errors.errors:
        errors.add("start_date", _("Enter the first day to invoice."))
    for name in ("auto_issue", "auto_send"):
        if name in data:
            clean[name] = bool(data[name])
    start = clean.get("start_date", current.start_date if current else None)
    end = clean.get("end_date", current.end_date if current else None)
    if start and end and end < start:
        errors.add("end_date", _("The end cannot be before the start."))
    errors.raise_if_any()
    return clean


def _plain_line(line: CleanLine) -> dict[str, Any]:
    """A validated line as JSON for the template (Decimals as strings, treatment by code)."""
    row: dict[str, Any] = {
        "description": line.description,
        "quantity": str(line.quantity),
        "unit": line.unit,
        "unit_price": str(line.unit_price),
        "discount_percent": str(line.discount_percent),
        "vat_treatment": line.vat_treatment.code,
    }
    if line.product is not None:
        row["product_id"] = line.product.pk
    return row


def _first_open_period(template: RecurringInvoice) -> dt.date | None:
    """The next period to invoice: the first one on or after the start that has no run."""
    period = schedule.first_period(template.start_date, template.schedule, template.day_of_month)
    if template.pk:
        last = (
            RecurringRun.objects.filter(company_id=template.company_id, template=template)
            .order_by("-period_start")
            .values_list("period_start", flat=True)
            .first()
        )
        while last is not None and period <= last:
            period = schedule.next_period(period, template.schedule, template.day_of_month)
    return period


@transaction.atomic
def create_recurring(actor: Actor, company: Company, **data: Any) -> RecurringInvoice:
    """A recurring invoice: the lines, the client and the schedule. The first period is the
    first day (of the schedule) on or after the start."""
    ensure_can(actor, company, "documents.change")
    clean = _clean_recurring(company, data, current=None)
    template = RecurringInvoice(company=company, created_by=actor.user, **clean)
    template.next_period_start = _first_open_period(template)
    template.save()
    audit.record_create(actor, company, "create_recurring", template)
    return template


@transaction.atomic
def update_recurring(actor: Actor, template: RecurringInvoice, **data: Any) -> RecurringInvoice:
    """Change a recurring invoice. A new schedule, day or start moves the next period to the
    first one after the last invoiced period (a period is never invoiced twice)."""
    company = template.company
    ensure_can(actor, company, "documents.change")
    template = locks.lock_recurring(company, template.pk)
    clean = _clean_recurring(company, data, current=template)
    before = audit.snapshot(template)
    for key, value in clean.items():
        setattr(template, key, value)
    if {"schedule", "day_of_month", "start_date"} & set(clean):
        template.next_period_start = _first_open_period(template)
    template.save()
    audit.record_update(actor, company, "update_recurring", template, before)
    return template


@transaction.atomic
def pause_recurring(
    actor: Actor, template: RecurringInvoice, *, active: bool = False
) -> RecurringInvoice:
    """Pause (or resume with `active=True`). Periods that fall while paused are skipped: on
    resume the next period is the first one from today on."""
    company = template.company
    ensure_can(actor, company, "documents.change")
    template = locks.lock_recurring(company, template.pk)
    if template.active == active:
        return template
    before = audit.snapshot(template)
    template.active = active
    if active:
        today = timezone.localdate()
        period = template.next_period_start or _first_open_period(template)
        while period is not None and period < today:
            period = schedule.next_period(period, template.schedule, template.day_of_month)
        template.next_period_start = period
    template.save()
    audit.record_update(
        actor, company, "resume_recurring" if active else "pause_recurring", template, before
    )
    return template


@transaction.atomic
def delete_recurring(actor: Actor, template: RecurringInvoice) -> None:
    """Delete the template and its run log; the invoices it made stay."""
    company = template.company
    ensure_can(actor, company, "documents.change")
    template = locks.lock_recurring(company, template.pk)
    audit.record_delete(actor, company, "delete_recurring", template)
    template.delete()


@dataclass(frozen=True)
class RecurringStep:
    run: RecurringRun | None
    document: Document | None
    error: str = ""


@transaction.atomic
def run_recurring_period(
    actor: Actor, template: RecurringInvoice, *, today: dt.date | None = None
) -> RecurringStep:
    """Invoice ONE period of `template` (the next due one), if due on `today`.

    Under a row lock on the template: a second worker waits, then sees the period already moved
    on and does nothing; where no lock exists (SQLite) the unique (template, period) row of
    `RecurringRun` refuses the duplicate. A draft that cannot be issued stays a draft and the
    run keeps the reason; the period counts as invoiced either way (a person finishes it).
    """
    company = template.company
    ensure_can(actor, company, "documents.change")
    day = _today(today)
    template = locks.lock_recurring(company, template.pk)
    period = template.next_period_start
    if (
        not template.active
        or period is None
        or period > day
        or (template.end_date is not None and period > template.end_date)
    ):
        return RecurringStep(None, None)
    end = schedule.period_end(period, template.schedule, template.day_of_month)
    following = schedule.next_period(period, template.schedule, template.day_of_month)
    try:
        with transaction.atomic():
            run = RecurringRun.objects.create(
                company=company, template=template, period_start=period, period_end=end
            )
    except IntegrityError:
        template.next_period_start = following
        template.save(update_fields=["next_period_start", "updated_at"])
        return RecurringStep(None, None)
    period_note = _("Period: %(start)s – %(end)s") % {
        "start": period.strftime("%d.%m.%Y"),
        "end": end.strftime("%d.%m.%Y"),
    }
    values: dict[str, Any] = {
        "party": template.party,
        "currency": template.currency,
        "payment_method": template.payment_method,
        "notes": "\n".join(part for part in (template.notes, period_note) if part),
        "issue_date": day,
        "tax_event_date": period,
    }
    if template.language:
        values["language"] = template.language
    if template.created_by is not None:
        values["issued_by_name"] = template.created_by.full_name or template.created_by.email
    error = ""
    document: Document | None = None
    try:
        with transaction.atomic():
            document = create_draft(
                actor, company, kind=DocumentKind.INVOICE, lines=template.lines, today=day, **values
            )
    except (InvalidInput, Conflict) as refusal:
        error = str(refusal)
    if document is not None and template.auto_issue:
        try:
            with transaction.atomic():
                document = issue_document(actor, document, today=day).document
        except (InvalidInput, Conflict) as refusal:
            error = str(refusal)
            document.refresh_from_db()
    sent = False
    if document is not None and template.auto_send and document.status == DocumentStatus.ISSUED:
        sent, send_error = _send_recurring(actor, document)
        error = error or send_error
    run.document = document
    run.error = error[:2000]
    run.sent = sent
    run.save(update_fields=["document", "error", "sent"])
    template.next_period_start = following
    template.last_run_at = timezone.now()
    template.save(update_fields=["next_period_start", "last_run_at", "updated_at"])
    audit.record_event(
        actor,
        company,
        "run_recurring",
        template,
        {
            "period": period.isoformat(),
            "document": document.pk if document else None,
            "error": error,
        },
    )
    return RecurringStep(run, document, error)


def _send_recurring(actor: Actor, document: Document) -> tuple[bool, str]:
    """Queue the e-mail through the notifications outbox when that app has a send action.
    The key matches the automatic e-mail on issue, so the client never gets it twice."""
    try:
        from xfinances.notifications.actions import send_document
    except ImportError:
        return False, ""
    try:
        with transaction.atomic():
            send_document(actor, document, idempotency_key="auto-issue")
    except (InvalidInput, Conflict) as refusal:
        return False, str(refusal)
    return True, ""


def due_recurring_ids(today: dt.date) -> list[int]:
    """Templates (of every company) with a period due on `today`, for the daily job."""
    return list(
        RecurringInvoice.objects.filter(active=True, next_period_start__lte=today)
        .exclude(end_date__lt=models.F("next_period_start"))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def run_due_recurring(today: dt.date | None = None, *, max_steps: int = 10_000) -> int:
    """The daily job: for each due template invoice one period per step, each step its own
    transaction, until nothing is due (after downtime: period by period, in order). Returns the
    number of periods invoiced. A rerun the same day finds nothing due."""
    day = _today(today)
    actor = Actor.system(Source.TASK)
    made = 0
    for _step in range(max_steps):
        due = due_recurring_ids(day)
        if not due:
            break
        progressed = False
        for template in (
            RecurringInvoice.objects.select_related("company", "party", "created_by")
            .filter(pk__in=due)
            .order_by("pk")
        ):
            step = run_recurring_period(actor, template, today=day)
            if step.run is not None:
                made += 1
            progressed = True
        if not progressed:
            break
    return made


def run_recurring_now(
    actor: Actor, template: RecurringInvoice, *, today: dt.date | None = None
) -> list[RecurringRun]:
    """Invoice every period of `template` due on `today` now, one period per transaction (as
    the daily job would). Nothing is due: nothing happens."""
    ensure_can(actor, template.company, "documents.change")
    made: list[RecurringRun] = []
    for _step in range(1000):
        step = run_recurring_period(actor, template, today=today)
        if step.run is None:
            break
        made.append(step.run)
    return made
