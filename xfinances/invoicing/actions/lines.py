"""Reading, totalling and storing a document's lines and VAT groups."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from xfinances.catalog.models import Product, VatTreatment
from xfinances.core import readers
from xfinances.core.exceptions import Conflict, ErrorCollector, InvalidInput
from xfinances.core.models import Company, CompanyBankAccount
from xfinances.core.money import BGN_PER_EUR, bgn_to_eur, round_to
from xfinances.core.queries import rate_value
from xfinances.invoicing import model_rows, queries
from xfinances.invoicing.actions.common import CleanLine
from xfinances.invoicing.actions.header import _decimal, _treatment
from xfinances.invoicing.inputs import LineInput
from xfinances.invoicing.models import (
    Document,
    DocumentKind,
    DocumentLine,
    DocumentStatus,
    DocumentVatGroup,
)
from xfinances.invoicing.totals import (
    DocumentTotals,
    EurTotals,
    TotalsError,
    compute_totals,
    convert_totals_to_eur,
)
from xfinances.invoicing.totals import LineInput as TotalsLine


def _line_product(
    company: Company, line: LineInput, where: str, errors: ErrorCollector
) -> Product | None:
    if line.product_id is None:
        return None
    product = Product.objects.filter(company=company, pk=line.product_id).first()
    if product is None:
        errors.add(f"{where}.product_id", _("Choose a product of this company."))
    return product


def _corrected_line(
    company: Company,
    line: LineInput,
    corrected: Document | None,
    where: str,
    errors: ErrorCollector,
) -> DocumentLine | None:
    if line.corrected_line_id is None:
        return None
    if corrected is None:
        errors.add(f"{where}.corrected_line_id", _("Only a note corrects invoice lines."))
        return None
    found = DocumentLine.objects.filter(
        company=company, document=corrected, pk=line.corrected_line_id
    ).first()
    if found is None:
        errors.add(f"{where}.corrected_line_id", _("Choose a line of the corrected invoice."))
    return found


def _advance(
    company: Company,
    line: LineInput,
    quantity: Decimal | None,
    where: str,
    errors: ErrorCollector,
) -> Document | None:
    """The issued advance payment invoice a line deducts (with a negative quantity)."""
    if line.advance_document_id is None:
        return None
    advance = Document.objects.filter(company=company, pk=line.advance_document_id).first()
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
        return None
    if quantity is not None and quantity >= 0:
        errors.add(
            f"{where}.quantity", _("A deduction of an advance has a negative quantity (e.g. -1).")
        )
    return advance


def _clean_line(
    company: Company,
    line: LineInput,
    *,
    corrected: Document | None,
    where: str,
    errors: ErrorCollector,
) -> CleanLine | None:
    """One line checked against the company, with the product's values for what is empty."""
    product = _line_product(company, line, where, errors)
    description = (line.description or (product.name if product else "")).strip()
    if not description:
        errors.add(f"{where}.description", _("Describe the goods or service."))
    treatment = _treatment(
        company, line.vat_treatment or (product.vat_treatment if product else None)
    )
    if treatment is None:
        errors.add(f"{where}.vat_treatment", _("Choose a VAT treatment of this company."))
    unit = (line.unit or (product.unit if product else "pcs"))[:10]
    quantity = _decimal(line.quantity, f"{where}.quantity", errors, Decimal(1))
    default_price = product.unit_price if product else None
    unit_price = _decimal(line.unit_price, f"{where}.unit_price", errors, default_price)
    if unit_price is None:
        errors.add(f"{where}.unit_price", _("Enter the unit price without VAT."))
    discount = _decimal(line.discount_percent, f"{where}.discount_percent", errors, Decimal(0))
    corrected_line = _corrected_line(company, line, corrected, where, errors)
    advance = _advance(company, line, quantity, where, errors)
    if treatment is None or quantity is None or unit_price is None or discount is None:
        return None
    if abs(quantity * unit_price) > readers.MAX_AMOUNT:  # beyond the amount columns
        errors.add(
            f"{where}.unit_price", _("The amount is too large (at most 999 999 999 999,99).")
        )
        return None
    return CleanLine(
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


def _clean_lines(
    company: Company,
    lines: Sequence[LineInput],
    *,
    corrected: Document | None,
    errors: ErrorCollector | None = None,
) -> list[CleanLine]:
    """Check the lines (errors as "lines.<n>.<field>", n from 1). With `errors` (a collector)
    the errors are added there for the caller to raise with the header's."""
    collector = InvalidInput.collect() if errors is None else errors
    clean = [
        _clean_line(company, line, corrected=corrected, where=f"lines.{n}", errors=collector)
        for n, line in enumerate(lines, start=1)
    ]
    if errors is None:
        collector.raise_if_any()
    return [line for line in clean if line is not None]


def _line_inputs(lines: list[CleanLine]) -> list[TotalsLine]:
    return [
        TotalsLine(
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
