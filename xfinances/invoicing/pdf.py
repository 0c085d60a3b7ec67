"""Print-quality PDFs of sales documents, laid out by Typst.

`render_document_pdf(PrintableDocument.sample())` → PDF bytes. The flow:

1. `document_data(doc, options)` turns the typed record into a JSON-ready dict in which every
   number, date, IBAN and label is already formatted for print in the document's language
   (Bulgarian and bilingual: 1 234,56 and 28.11.2026; English: 1,234.56 and 2026-11-28). User
   text travels as JSON strings and the template inserts it as text, never as
   markup, so no escaping is needed and none can be forgotten.
2. The Typst template (`pdf_templates/document.typ`, or a company's custom file) reads that JSON
   as `json("data.json")` and lays it out on A4.
3. `core.printing.compile_template` compiles it with a `typst.Compiler` kept per template (fonts
   loaded once, Typst's memoisation reusing unchanged work between documents); the fonts are
   the Inter files vendored in `core/pdf_templates/fonts/`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from xfinances.core import formatting
from xfinances.core.identifiers import format_iban
from xfinances.core.money import BGN_PER_EUR, eur_to_bgn
from xfinances.core.printing import PdfError, compile_template, page_count
from xfinances.invoicing.creditor_reference import format_rf
from xfinances.invoicing.epc_qr import epc_qr_svg
from xfinances.invoicing.printable import (
    PrintableAnnulmentProtocol,
    PrintableDocument,
    PrintableParty,
)

TEMPLATES_DIR = Path(__file__).resolve().parent / "pdf_templates"
DOCUMENT_TEMPLATE = TEMPLATES_DIR / "document.typ"
ANNULMENT_TEMPLATE = TEMPLATES_DIR / "annulment_protocol.typ"
MAX_TEMPLATE_BYTES = 512 * 1024
_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
_LOGO_FORMATS = {
    "image/png": "png",
    "image/jpeg": "jpg",
    "image/jpg": "jpg",
    "image/gif": "gif",
    "image/svg+xml": "svg",
    "image/webp": "webp",
}


@dataclass(frozen=True, kw_only=True)
class PdfOptions:
    """A company's print settings.

    accent_colour: "#rrggbb" for the title, rules and table header. show_bgn_equivalent: print
    the total in BGN at the fixed rate under EUR totals (optional since 2026). template: a custom
    Typst file (check it first with `validate_custom_template`)."""

    accent_colour: str = "#1f4e79"
    show_logo: bool = True
    show_qr: bool = True
    show_bgn_equivalent: bool = False
    show_signatures: bool = True
    footer_text: str = ""
    template: Path | None = None

    def __post_init__(self) -> None:
        if not _HEX_COLOUR.match(self.accent_colour or ""):
            raise PdfError(f"accent_colour: use a colour like #1f4e79 (got {self.accent_colour!r})")


# --- Labels -----------------------------------------------------------------------------------

LABELS: dict[str, tuple[str, str]] = {
    "supplier": ("Доставчик", "Supplier"),
    "recipient": ("Получател", "Recipient"),
    "address": ("Адрес", "Address"),
    "eik": ("ЕИК", "UIC"),
    "vat_number": ("ДДС №", "VAT No."),
    "egn_or_lnch": ("ЕГН/ЛНЧ", "Personal No."),
    "mol": ("МОЛ", "Manager"),
    "issue_date": ("Дата на издаване", "Date of issue"),
    "tax_event_date": ("Дата на данъчно събитие", "Tax event date"),
    "due_date": ("Падеж", "Due date"),
    "place_of_issue": ("Място на издаване", "Place of issue"),
    "position": ("№", "No."),
    "description": ("Наименование на стоката/услугата", "Description"),
    "unit": ("Мярка", "Unit"),
    "quantity": ("Кол.", "Qty"),
    "unit_price": ("Ед. цена", "Unit price"),
    "discount": ("Отст. %", "Disc. %"),
    "vat_rate": ("ДДС", "VAT"),
    "net": ("Стойност", "Amount"),
    "vat_breakdown": ("Разбивка по ставки", "VAT breakdown"),
    "vat_kind": ("Ставка", "Rate"),
    "base": ("Данъчна основа", "Tax base"),
    "vat": ("ДДС", "VAT"),
    "lines_net": ("Сума по редовете", "Lines total"),
    "document_discount": ("Отстъпка", "Discount"),
    "total": ("Сума за плащане", "Amount due"),
    "total_note": ("Обща стойност", "Total"),
    "in_words": ("Словом", "In words"),
    "legal_basis": ("Основание за неначисляване на ДДС", "Legal basis for no VAT"),
    "payment": ("Плащане", "Payment"),
    "payment_method": ("Начин на плащане", "Payment method"),
    "iban": ("IBAN", "IBAN"),
    "bic": ("BIC", "BIC"),
    "bank": ("Банка", "Bank"),
    "rf_reference": ("Основание за плащане", "Payment reference"),
    "scan_to_pay": ("Сканирайте за плащане", "Scan to pay"),
    "notes": ("Забележки", "Notes"),
    "issued_by": ("Съставил", "Issued by"),
    "received_by": ("Получил", "Received by"),
    "reason": ("Основание", "Reason"),
    "page": ("Стр.", "Page"),
    "eur_equivalent": ("Равностойност в EUR", "Equivalent in EUR"),
    "bgn_equivalent": ("Равностойност в BGN", "Equivalent in BGN"),
    "bgn_original": ("Стойности в BGN", "Amounts in BGN"),
    "voided": ("АНУЛИРАН", "VOID"),
    "draft": ("ЧЕРНОВА", "DRAFT"),
    "original": ("Оригинал", "Original"),
    "corrected": ("Коригиран", "Corrected"),
    "rate": ("Курс", "Rate"),
    "fixed_rate": ("по фиксирания курс", "at the fixed rate"),
}

KIND_TITLES: dict[str, tuple[str, str]] = {
    "invoice": ("ФАКТУРА", "INVOICE"),
    "proforma": ("ПРОФОРМА ФАКТУРА", "PROFORMA INVOICE"),
    "credit_note": ("КРЕДИТНО ИЗВЕСТИЕ", "CREDIT NOTE"),
    "debit_note": ("ДЕБИТНО ИЗВЕСТИЕ", "DEBIT NOTE"),
    "protocol": ("ПРОТОКОЛ ПО ЧЛ. 117 ОТ ЗДДС", "PROTOCOL UNDER ART. 117 VAT ACT"),
}


def _pair(key: str, language: str) -> list[str]:
    bg, en = LABELS[key]
    if language == "bg" or bg == en:
        return [bg, ""]
    if language == "en":
        return [en, ""]
    return [bg, en]


def _one(key: str, language: str) -> str:
    first, second = _pair(key, language)
    return f"{first} / {second}" if second else first


# --- Formatting (through core/formatting.py, in the document's language) ----------------------


def number_language(language: str) -> str:
    """The figures' language of a document printed in `language`: an English document prints
    `1,250.50` and English dates; Bulgarian and bilingual ones (Bulgarian tax documents first)
    print `1 250,50` and `28.11.2026`."""
    return "en" if language == "en" else "bg"


def format_date(value: date | None, language: str = "bg") -> str:
    return formatting.date(value, number_language(language))


def format_money(amount: Decimal | None, language: str = "bg") -> str:
    return formatting.amount(amount, number_language(language))


def format_quantity(quantity: Decimal, language: str = "bg") -> str:
    """3.500 → "3,5"; 12 → "12"; 1234.25 → "1 234,25" (up to 3 decimals)."""
    return formatting.quantity(quantity, number_language(language))


def format_unit_price(price: Decimal, language: str = "bg") -> str:
    """At least 2 decimals, up to 4 when they are not zero: 6.4500 → "6,45", 0.1234 → "0,1234"."""
    return formatting.unit_price(price, number_language(language))


def format_percent(value: Decimal, language: str = "bg") -> str:
    return f"{formatting.quantity(value, number_language(language))} %"


def format_rate(rate: Decimal, language: str = "bg") -> str:
    return formatting.exchange_rate(rate, number_language(language))


# --- Data for the template --------------------------------------------------------------------


def _party_data(party: PrintableParty, language: str) -> dict[str, Any]:
    if language == "en":
        name, second = (party.name_latin or party.name), ""
        if party.name_latin and party.name_latin != party.name:
            second = party.name
    else:
        name = party.name
        second = party.name_latin if party.name_latin and party.name_latin != party.name else ""
    address = [line for line in party.address_lines if line]
    place = " ".join(part for part in (party.postcode, party.city) if part)
    if place:
        address.append(place)
    if party.country:
        address.append(party.country)
    rows = []
    if party.eik:
        rows.append([_one("eik", language), party.eik])
    if party.vat_number:
        rows.append([_one("vat_number", language), party.vat_number])
    if party.egn_or_lnch:
        rows.append([_one("egn_or_lnch", language), party.egn_or_lnch])
    if party.mol:
        rows.append([_one("mol", language), party.mol])
    return {
        "name": breakable(name),
        "name_second": breakable(second),
        "address": [breakable(line) for line in address],
        "rows": rows,
    }


def _titles(doc: PrintableDocument) -> tuple[str, str]:
    bg, en = KIND_TITLES[doc.kind]
    bg = doc.title or bg
    if doc.language == "bg":
        return bg, ""
    if doc.language == "en":
        return en, ""
    return bg, en


def _logo(doc: PrintableDocument, options: PdfOptions) -> dict[str, Any] | None:
    if not (options.show_logo and doc.logo):
        return None
    fmt = _LOGO_FORMATS.get(doc.logo_mime.lower())
    if fmt is None:
        raise PdfError(f"logo_mime: {doc.logo_mime!r} is not a PNG, JPEG, GIF, WebP or SVG image")
    return {"format": fmt, "data": list(doc.logo)}


#: A run of this many characters without a space gets a break opportunity (U+200B).
_LONGEST_UNBROKEN = 24
_UNBROKEN = re.compile(rf"\S{{{_LONGEST_UNBROKEN + 1},}}")


def breakable(text: str) -> str:
    """Long unbroken words (an IBAN pasted twice, a URL, a 200-letter part number) get
    zero-width spaces so Typst can wrap them inside their column instead of running off it."""
    if not text:
        return text

    def cut(match: re.Match[str]) -> str:
        word = match.group(0)
        step = _LONGEST_UNBROKEN
        return "\u200b".join(word[i : i + step] for i in range(0, len(word), step))

    return _UNBROKEN.sub(cut, text)


#: Millimetres per character of a figure at the body size (tabular digits of Inter, 8.6 pt),
#: and the box's horizontal inset on both sides.
_MM_PER_CHAR = 1.75
_INSET_MM = 3.5


def _fit(texts: list[str], minimum: float) -> float:
    """A column width that holds the longest figure on one line (12-digit amounts included)."""
    longest = max((len(text) for text in texts), default=0)
    return max(minimum, round(longest * _MM_PER_CHAR + _INSET_MM, 1))


def _vat_widths(doc: PrintableDocument) -> list[float]:
    lang = doc.language
    bases = [f"{format_money(row.base, lang)} {doc.currency}" for row in doc.vat_rows]
    vats = [f"{format_money(row.vat, lang)} {doc.currency}" for row in doc.vat_rows]
    return [_fit(bases, 26), _fit(vats, 22)]


def _columns(doc: PrintableDocument) -> list[dict[str, Any]]:
    lines, lang = doc.lines, doc.language
    columns: list[dict[str, Any]] = [
        {"key": "position", "width": 8, "align": "center"},
        {"key": "description", "width": None, "align": "left"},
        {"key": "unit", "width": 15, "align": "left"},
        {
            "key": "quantity",
            "width": _fit([format_quantity(line.quantity, lang) for line in lines], 15),
            "align": "right",
        },
        {
            "key": "unit_price",
            "width": _fit([format_unit_price(line.unit_price, lang) for line in lines], 21),
            "align": "right",
        },
    ]
    if any(line.discount_percent for line in doc.lines):
        columns.append({"key": "discount", "width": 15, "align": "right"})
    columns.append({"key": "vat_rate", "width": 14, "align": "right"})
    net_width = _fit([format_money(line.net, lang) for line in lines], 24)
    columns.append({"key": "net", "width": net_width, "align": "right"})
    return columns


def _totals(doc: PrintableDocument, options: PdfOptions) -> tuple[list, str, list]:
    lang, cur, t = doc.language, doc.currency, doc.totals
    rows: list[dict[str, Any]] = []
    if t.document_discount and t.lines_net is not None:
        rows.append(
            {"label": _one("lines_net", lang), "value": f"{format_money(t.lines_net, lang)} {cur}"}
        )
        label = _one("document_discount", lang)
        if t.document_discount_percent:
            label += f" {format_percent(t.document_discount_percent, lang)}"
        rows.append({"label": label, "value": f"−{format_money(t.document_discount, lang)} {cur}"})
    rows.append({"label": _one("base", lang), "value": f"{format_money(t.base, lang)} {cur}"})
    rows.append({"label": _one("vat", lang), "value": f"{format_money(t.vat, lang)} {cur}"})
    total_key = "total" if doc.kind in ("invoice", "proforma", "debit_note") else "total_note"
    rows.append({"label": _one(total_key, lang), "value": f"{format_money(t.total, lang)} {cur}"})
    for row in rows:
        row["strong"] = False
    rows[-1]["strong"] = True

    secondary: list[dict[str, str]] = []
    title = ""
    if cur != "EUR" and t.eur_total is not None:
        title = _one("eur_equivalent", lang)
        if t.eur_rate is not None:
            title += f" ({_one('rate', lang)}: 1 EUR = {format_rate(t.eur_rate, lang)} {cur}"
            title += f", {format_date(t.eur_rate_date, lang)})" if t.eur_rate_date else ")"
        secondary += [
            {"label": _one("base", lang), "value": f"{format_money(t.eur_base, lang)} EUR"},
            {"label": _one("vat", lang), "value": f"{format_money(t.eur_vat, lang)} EUR"},
            {"label": _one("total_note", lang), "value": f"{format_money(t.eur_total, lang)} EUR"},
        ]
    elif t.bgn_total is not None:
        title = f"{_one('bgn_original', lang)} ({_one('fixed_rate', lang)} 1 EUR = "
        title += f"{format_rate(BGN_PER_EUR, lang)} BGN)"
        secondary += [
            {"label": _one("base", lang), "value": f"{format_money(t.bgn_base, lang)} BGN"},
            {"label": _one("vat", lang), "value": f"{format_money(t.bgn_vat, lang)} BGN"},
            {"label": _one("total_note", lang), "value": f"{format_money(t.bgn_total, lang)} BGN"},
        ]
    elif cur == "EUR" and options.show_bgn_equivalent:
        title = f"{_one('bgn_equivalent', lang)} ({_one('fixed_rate', lang)} 1 EUR = "
        title += f"{format_rate(BGN_PER_EUR, lang)} BGN)"
        secondary.append(
            {
                "label": _one("total_note", lang),
                "value": f"{format_money(eur_to_bgn(t.total), lang)} BGN",
            }
        )
    return rows, title, secondary


def _asks_for_money(doc: PrintableDocument) -> bool:
    """A credit note gives money back: it prints no due date and no payment block."""
    return doc.kind != "credit_note"


def _payment_rows(doc: PrintableDocument) -> list[list[str]]:
    lang = doc.language
    rows: list[list[str]] = []
    if not _asks_for_money(doc):
        return rows
    if doc.payment_method:
        rows.append([_one("payment_method", lang), doc.payment_method])
    for account in doc.bank_accounts:
        rows.append([_one("iban", lang), format_iban(account.iban)])
        if account.bic:
            rows.append([_one("bic", lang), account.bic])
        if account.bank_name:
            rows.append([_one("bank", lang), account.bank_name])
    if doc.rf_reference:
        rows.append([_one("rf_reference", lang), format_rf(doc.rf_reference)])
    return rows


def _related(doc: PrintableDocument) -> dict[str, str] | None:
    related = doc.related
    if related is None:
        return None
    lang = doc.language
    bg = f"към {related.title} № {related.number} от {format_date(related.issue_date, lang)}"
    issued = format_date(related.issue_date, lang)
    en = f"to {_english_kind(related.title)} No. {related.number} of {issued}"
    text = {"bg": bg, "en": en, "bg-en": f"{bg} / {en}"}[lang]
    note = ""
    if related.currency == "BGN" and doc.currency == "EUR":
        note_bg = (
            "Документът е издаден в лева; коригираните суми са превалутирани по фиксирания курс "
            f"1 EUR = {format_rate(BGN_PER_EUR, lang)} BGN."
        )
        note_en = (
            "The document was issued in BGN; the corrected amounts are converted at the fixed "
            f"rate 1 EUR = {format_rate(BGN_PER_EUR, lang)} BGN."
        )
        note = {"bg": note_bg, "en": note_en, "bg-en": f"{note_bg} / {note_en}"}[lang]
    return {"text": text, "reason": related.reason, "note": note}


def _english_kind(title: str) -> str:
    words = {
        "фактура": "invoice",
        "проформа фактура": "proforma invoice",
        "кредитно известие": "credit note",
        "дебитно известие": "debit note",
    }
    return words.get(title.strip().lower(), title)


def _dates(doc: PrintableDocument) -> list[list[str]]:
    lang = doc.language
    dates = [[*_pair("issue_date", lang), format_date(doc.issue_date, lang)]]
    if doc.tax_event_date:
        dates.append([*_pair("tax_event_date", lang), format_date(doc.tax_event_date, lang)])
    if doc.due_date and _asks_for_money(doc):
        dates.append([*_pair("due_date", lang), format_date(doc.due_date, lang)])
    if doc.place_of_issue:
        dates.append([*_pair("place_of_issue", lang), doc.place_of_issue])
    return dates


def _status_marks(doc: PrintableDocument) -> dict[str, str]:
    """The watermark and status texts of a draft or voided document, and the copy label
    ("Оригинал" / "Коригиран") in the document's language."""
    lang = doc.language
    watermark = watermark_second = status_text = ""
    if doc.status in ("voided", "draft"):
        watermark, watermark_second = _pair(doc.status, lang)
        status_text = _one(doc.status, lang)
    copy_label = doc.copy_label
    for key in ("original", "corrected"):
        if copy_label and copy_label == LABELS[key][0]:
            if lang == "en":
                copy_label = LABELS[key][1]
            elif lang == "bg-en":
                copy_label = _one(key, lang)
    return {
        "copy_label": copy_label if doc.status != "draft" else "",
        "status": doc.status,
        "status_text": status_text,
        "watermark": watermark,
        "watermark_second": watermark_second,
        "watermark_colour": "#c6282838" if doc.status == "voided" else "#7f7f7f30",
    }


def _line_rows(doc: PrintableDocument) -> list[dict[str, str]]:
    lang = doc.language
    return [
        {
            "position": str(line.position),
            "description": breakable(line.description),
            "unit": line.unit,
            "quantity": format_quantity(line.quantity, lang),
            "unit_price": format_unit_price(line.unit_price, lang),
            "discount": format_percent(line.discount_percent, lang)
            if line.discount_percent
            else "",
            "vat_rate": line.vat_label
            or (format_percent(line.vat_rate, lang) if line.vat_rate is not None else "–"),
            "net": format_money(line.net, lang),
        }
        for line in doc.lines
    ]


def _vat_row_data(doc: PrintableDocument) -> list[dict[str, str]]:
    lang = doc.language
    return [
        {
            "label": row.label,
            "base": f"{format_money(row.base, lang)} {doc.currency}",
            "vat": f"{format_money(row.vat, lang)} {doc.currency}",
            "basis": row.legal_basis,
        }
        for row in doc.vat_rows
    ]


def document_data(doc: PrintableDocument, options: PdfOptions | None = None) -> dict[str, Any]:
    """The JSON-ready data a document template lays out (all values formatted strings)."""
    options = options or PdfOptions()
    lang = doc.language
    title, title_second = _titles(doc)
    totals, secondary_title, secondary = _totals(doc, options)
    qr_svg = None
    if options.show_qr and doc.epc_qr_payload and doc.status == "original" and _asks_for_money(doc):
        qr_svg = epc_qr_svg(doc.epc_qr_payload)
    signatures = []
    if options.show_signatures:
        signatures = [
            [_one("issued_by", lang), doc.issued_by],
            [_one("received_by", lang), doc.recipient_person],
        ]
    notes = (doc.notes or "").splitlines()
    while notes and not notes[-1].strip():
        notes.pop()
    return {
        "text_lang": "en" if lang == "en" else "bg",
        "accent": options.accent_colour,
        "labels": {key: _pair(key, lang) for key in LABELS},
        "title": title,
        "title_second": title_second,
        "number": doc.number,
        **_status_marks(doc),
        "page_word": _one("page", lang),
        "page_numbers": True,  # "Стр. x / y" in the footer (render_document_pdf decides)
        "logo": _logo(doc, options),
        "supplier": _party_data(doc.supplier, lang),
        "recipient": _party_data(doc.recipient, lang),
        "dates": _dates(doc),
        "related": _related(doc),
        "currency": doc.currency,
        "columns": _columns(doc),
        "lines": _line_rows(doc),
        "vat_widths": _vat_widths(doc),
        "vat_rows": _vat_row_data(doc),
        "totals": totals,
        "secondary_title": secondary_title,
        "secondary_totals": secondary,
        "words": doc.amount_in_words,
        "legal_notes": list(doc.legal_basis_notes),
        "payment": {"rows": _payment_rows(doc)},
        "qr_svg": qr_svg,
        "notes": notes,
        "signatures": signatures,
        "footer": options.footer_text,
        "extra": dict(doc.extra),
    }


# --- Rendering --------------------------------------------------------------------------------


def _template_path(template: str | Path | None, default: Path) -> Path:
    path = Path(template) if template is not None else default
    if not path.is_file():
        raise PdfError(f"template: {path.name} does not exist")
    return path.resolve()


def render_document_pdf(
    doc: PrintableDocument,
    template: str | Path | None = None,
    options: PdfOptions | None = None,
) -> bytes:
    """The PDF of a sales document. `template` overrides `options.template` and the default."""
    options = options or PdfOptions()
    path = _template_path(template or options.template, DOCUMENT_TEMPLATE)
    data = document_data(doc, options)
    # Most documents fit on one page, which needs no "Стр. 1 / 1" and so no second layout pass
    # for the page counters (~0.7 ms); a longer one is compiled again with page numbers.
    data["page_numbers"] = False
    pdf = compile_template(path, data)
    if page_count(pdf) == 1:
        return pdf
    data["page_numbers"] = True
    return compile_template(path, data)


def validate_custom_template(path: str | Path) -> list[str]:
    """Errors that stop a custom template from printing the sample documents; [] when it works.

    The template is compiled against the sample invoice in Bulgarian, bilingual and English,
    voided and as a credit note, so a template that breaks on any of them is refused."""
    file = Path(path)
    if file.suffix != ".typ":
        return [f"{file.name}: a template is a Typst file ending in .typ"]
    if not file.is_file():
        return [f"{file.name}: the file does not exist"]
    if file.stat().st_size > MAX_TEMPLATE_BYTES:
        return [f"{file.name}: a template may be at most {MAX_TEMPLATE_BYTES // 1024} KiB"]
    sample = PrintableDocument.sample()
    variants = {
        "bg": sample,
        "bg-en": PrintableDocument.sample(language="bg-en"),
        "en": PrintableDocument.sample(language="en"),
        "voided": PrintableDocument.sample(status="voided"),
    }
    errors = []
    for name, doc in variants.items():
        try:
            pdf = render_document_pdf(doc, template=file)
        except PdfError as error:
            errors.append(f"{name}: {error}")
            continue
        if not pdf.startswith(b"%PDF"):
            errors.append(f"{name}: the template produced no PDF")
    return errors


# --- Annulment protocol -----------------------------------------------------------------------

PROTOCOL_LABELS: dict[str, tuple[str, str]] = {
    "title": ("ПРОТОКОЛ", "PROTOCOL"),
    "subtitle": ("за анулиране на данъчен документ", "for the annulment of a tax document"),
    "today": ("Днес", "Today"),
    "in": ("в", "in"),
    "between": ("между", "between"),
    "and": ("и", "and"),
    "agreed": (
        "страните се съгласиха да анулират следния документ:",
        "the parties agreed to annul the following document:",
    ),
    "document": ("Документ", "Document"),
    "number": ("Номер", "Number"),
    "date": ("Дата", "Date"),
    "amount": ("Сума", "Amount"),
    "reason": ("Причина за анулирането", "Reason for the annulment"),
    "new_document": ("Издаден вместо него", "Issued in its place"),
    "closing": (
        "Анулираният документ не поражда данъчни последици. Протоколът се състави в два "
        "еднообразни екземпляра – по един за всяка от страните.",
        "The annulled document has no tax effect. This protocol is made in two identical "
        "copies, one for each party.",
    ),
    "for_supplier": ("За доставчика", "For the supplier"),
    "for_recipient": ("За получателя", "For the recipient"),
    "signature": ("подпис", "signature"),
}


def _protocol_label(key: str, language: str) -> str:
    bg, en = (LABELS | PROTOCOL_LABELS)[key]
    if bg == en:
        return bg
    return {"bg": bg, "en": en, "bg-en": f"{bg} / {en}"}[language]


def annulment_protocol_data(p: PrintableAnnulmentProtocol) -> dict[str, Any]:
    lang = p.language

    def lab(key: str) -> str:
        return _protocol_label(key, lang)

    rows = [
        [lab("document"), p.voided_title],
        [lab("number"), p.voided_number],
        [lab("date"), format_date(p.voided_date, lang)],
    ]
    if p.voided_total is not None:
        rows.append([lab("amount"), f"{format_money(p.voided_total, lang)} {p.currency}"])
    new_document = ""
    if p.new_document_number:
        title = p.new_document_title or p.voided_title
        new_document = (
            f"{title} № {p.new_document_number} / {format_date(p.new_document_date, lang)}"
        )
    return {
        "text_lang": "en" if lang == "en" else "bg",
        "title": lab("title"),
        "subtitle": lab("subtitle"),
        "number": p.protocol_number,
        "intro": (
            f"{lab('today')}, {format_date(p.protocol_date, lang)}, {lab('in')} {p.place}, "
            f"{lab('between')}:"
        ),
        "agreed": lab("agreed"),
        "supplier_label": lab("supplier"),
        "recipient_label": lab("recipient"),
        "supplier": _party_data(p.supplier, lang),
        "recipient": _party_data(p.recipient, lang),
        "rows": rows,
        "reason_label": lab("reason"),
        "reason": p.reason,
        "new_document_label": lab("new_document"),
        "new_document": new_document,
        "closing": lab("closing"),
        "signatures": [
            [lab("for_supplier"), p.supplier_signatory or p.supplier.mol],
            [lab("for_recipient"), p.recipient_signatory or p.recipient.mol],
        ],
        "signature_word": lab("signature"),
    }


def render_annulment_protocol_pdf(p: PrintableAnnulmentProtocol) -> bytes:
    """The PDF of a bilateral annulment protocol."""
    return compile_template(ANNULMENT_TEMPLATE, annulment_protocol_data(p))
