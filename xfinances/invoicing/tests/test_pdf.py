"""PDFs of sales documents: every art. 114 field is printed, text extracts (Cyrillic included),
user text prints literally, variants and custom templates. No database."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from xfinances.core import printing
from xfinances.invoicing.pdf import (
    DOCUMENT_TEMPLATE,
    PdfError,
    PdfOptions,
    document_data,
    format_quantity,
    format_unit_price,
    render_annulment_protocol_pdf,
    render_document_pdf,
    validate_custom_template,
)
from xfinances.invoicing.printable import (
    PrintableAnnulmentProtocol,
    PrintableDocument,
    PrintableError,
    PrintableLine,
    PrintableRelatedDocument,
    PrintableTotals,
)


def pdf_text(pdf: bytes) -> str:
    """All text of a PDF with runs of whitespace (incl. NBSP) collapsed to one space."""
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return re.sub(r"\s+", " ", text.replace("\u00a0", " "))


def page_count(pdf: bytes) -> int:
    return len(PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture(scope="module")
def sample_text() -> str:
    return pdf_text(render_document_pdf(PrintableDocument.sample()))


def test_pdf_is_one_a4_page():
    pdf = render_document_pdf(PrintableDocument.sample())
    assert pdf.startswith(b"%PDF")
    page = PdfReader(io.BytesIO(pdf)).pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    assert page_count(pdf) == 1


@pytest.mark.parametrize(
    "expected",
    [
        # 1–3: document name, 10-digit number, issue date
        "ФАКТУРА",
        "0000000042",
        "28.11.2026",
        # 4: supplier name, address, ЕИК and VAT number
        "Примерна Фирма ЕООД",
        "ул. „Граф Игнатиев“ № 15, ет. 3",
        "1000 София",
        "206521510",
        "BG206521510",
        # 5: recipient
        "Клиент Трейд АД",
        "бул. „Христо Ботев“ № 42",
        "4000 Пловдив",
        "115000021",
        "BG115000021",
        # 6: goods and services with quantities and units
        "Счетоводно обслужване за месец ноември 2026",
        "Консултация по данъчно планиране",
        "3,5",
        "час",
        # 7: tax event date
        "Дата на данъчно събитие",
        "27.11.2026",
        # 8: unit prices, discount, base
        "450,00",
        "6,45",
        "10 %",
        "1 246,40 EUR",
        "Данъчна основа",
        # 9: VAT rate and amount, total
        "ДДС 20 %",
        "143,28 EUR",
        "1 389,68 EUR",
        # 10: legal basis for 0 % and the reverse-charge wording
        "чл. 28 от ЗДДС",
        "обратно начисляване",
        "чл. 163а, ал. 2 от ЗДДС",
        # customary
        "МОЛ",
        "Иван Петров Иванов",
        "Съставил",
        "Елена Димитрова",
        "Място на издаване",
        "Падеж",
        "12.12.2026",
        "Оригинал".upper(),
        "По банков път",
    ],
)
def test_sample_prints_every_mandatory_field(sample_text, expected):
    assert expected in sample_text


def test_amount_in_words_iban_and_rf_reference_are_printed(sample_text):
    assert "Словом: Хиляда триста осемдесет и девет евро и шестдесет и осем цента" in sample_text
    assert "BG80 BNBG 9661 1020 3456 78" in sample_text
    assert "BNBGBGSF" in sample_text
    assert "RF34 0000 0000 42" in sample_text


def test_cyrillic_extracts_as_cyrillic(sample_text):
    # A font without Cyrillic would leave boxes or drop these letters; this proves the font.
    for word in ("ДОСТАВЧИК", "ПОЛУЧАТЕЛ", "Наименование на стоката/услугата", "Словом"):
        assert word in sample_text
    assert "Доставка на стоки извън ЕС (износ), гр. Скопие" in sample_text


def test_fonts_are_embedded_not_taken_from_the_system():
    reader = PdfReader(io.BytesIO(render_document_pdf(PrintableDocument.sample())))
    fonts = set()
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            fonts.add(str(font.get_object()["/BaseFont"]))
    assert any("Inter" in name for name in fonts), fonts


def test_voided_document_prints_annulled_mark_and_no_payment_qr():
    doc = PrintableDocument.sample(status="voided")
    data = document_data(doc)
    assert data["qr_svg"] is None
    text = pdf_text(render_document_pdf(doc))
    assert text.count("АНУЛИРАН") >= 2  # the status box and the diagonal watermark
    assert "АНУЛИРАН" not in pdf_text(render_document_pdf(PrintableDocument.sample()))


def test_draft_without_number_prints_draft_mark():
    text = pdf_text(render_document_pdf(PrintableDocument.sample(status="draft", number="")))
    assert "ЧЕРНОВА" in text


def test_english_variant_has_english_labels_and_latin_names():
    text = pdf_text(render_document_pdf(PrintableDocument.sample(language="en")))
    for label in ("INVOICE", "Supplier".upper(), "Date of issue", "Tax event date", "Unit price"):
        assert label in text
    assert "Primerna Firma EOOD" in text
    assert "Amount due" in text
    assert "Дата на издаване" not in text


def test_bilingual_variant_has_both_labels_on_one_page():
    pdf = render_document_pdf(PrintableDocument.sample(language="bg-en"))
    text = pdf_text(pdf)
    assert "ФАКТУРА" in text and "INVOICE" in text
    assert "Дата на издаване" in text and "Date of issue" in text
    assert "Словом / In words" in text
    assert "ОРИГИНАЛ / ORIGINAL" in text
    assert page_count(pdf) == 1


def test_user_text_with_typst_markup_prints_literally():
    nasty = r"Бележка #set page(width: 1cm) $x^2$ *bold* _it_ [a] \n \\ @ref <label> // end"
    line = replace(PrintableDocument.sample().lines[0], description=nasty)
    doc = PrintableDocument.sample(notes=nasty, lines=(line,))
    text = pdf_text(render_document_pdf(doc))
    # The note prints on one line of the notes block, character for character.
    assert nasty in text
    assert text.count("#set page(width: 1cm)") == 2  # note and description


def test_credit_note_names_the_invoice_it_corrects_and_the_bgn_figures():
    doc = PrintableDocument.sample(
        kind="credit_note",
        title="КРЕДИТНО ИЗВЕСТИЕ",
        number="0000000043",
        related=PrintableRelatedDocument(
            title="фактура",
            number="0000000017",
            issue_date=date(2025, 12, 12),
            reason="Върната стока",
            currency="BGN",
        ),
        totals=PrintableTotals(
            base=Decimal("1246.40"),
            vat=Decimal("143.28"),
            total=Decimal("1389.68"),
            bgn_base=Decimal("2437.75"),
            bgn_vat=Decimal("280.23"),
            bgn_total=Decimal("2717.98"),
        ),
        epc_qr_payload=None,
    )
    text = pdf_text(render_document_pdf(doc))
    assert "КРЕДИТНО ИЗВЕСТИЕ" in text
    assert "към фактура № 0000000017 от 12.12.2025" in text
    assert "Върната стока" in text
    assert "2 717,98 BGN" in text
    assert "1,95583" in text


def test_foreign_currency_prints_eur_figures_and_rate():
    doc = PrintableDocument.sample(
        currency="USD",
        totals=PrintableTotals(
            base=Decimal("1246.40"),
            vat=Decimal("143.28"),
            total=Decimal("1389.68"),
            eur_base=Decimal("1148.12"),
            eur_vat=Decimal("132.00"),
            eur_total=Decimal("1280.12"),
            eur_rate=Decimal("1.0856"),
            eur_rate_date=date(2026, 11, 27),
        ),
        epc_qr_payload=None,
    )
    text = pdf_text(render_document_pdf(doc))
    assert "1 389,68 USD" in text
    assert "1 280,12 EUR" in text
    assert "1 EUR = 1,0856 USD" in text


def test_bgn_equivalent_is_optional():
    doc = PrintableDocument.sample()
    assert "BGN" not in pdf_text(render_document_pdf(doc))
    text = pdf_text(render_document_pdf(doc, options=PdfOptions(show_bgn_equivalent=True)))
    assert "2 717,98 BGN" in text  # 1389.68 × 1.95583 = 2717.9778


def test_options_hide_qr_and_set_footer_and_accent():
    doc = PrintableDocument.sample()
    assert document_data(doc, PdfOptions(show_qr=False))["qr_svg"] is None
    assert document_data(doc)["qr_svg"].startswith("<svg")
    text = pdf_text(render_document_pdf(doc, options=PdfOptions(footer_text="Фирма # 1 *ООД*")))
    assert "Фирма # 1 *ООД*" in text
    with pytest.raises(PdfError, match="accent_colour"):
        PdfOptions(accent_colour="red; evil")


def test_logo_is_embedded():
    buffer = io.BytesIO()
    Image.new("RGB", (120, 40), (31, 78, 121)).save(buffer, format="PNG")
    png = buffer.getvalue()
    with_logo = render_document_pdf(PrintableDocument.sample(logo=png, logo_mime="image/png"))
    without = render_document_pdf(
        PrintableDocument.sample(logo=png, logo_mime="image/png"),
        options=PdfOptions(show_logo=False),
    )
    assert b"/Subtype /Image" in with_logo or b"/Subtype/Image" in with_logo
    assert b"/Subtype /Image" not in without and b"/Subtype/Image" not in without
    with pytest.raises(PdfError, match="logo_mime"):
        render_document_pdf(PrintableDocument.sample(logo=b"x", logo_mime="application/pdf"))


def test_long_document_repeats_the_table_header_on_every_page():
    base = PrintableDocument.sample().lines[0]
    lines = tuple(replace(base, position=n, description=f"Услуга номер {n}") for n in range(1, 91))
    pdf = render_document_pdf(PrintableDocument.sample(lines=lines))
    pages = PdfReader(io.BytesIO(pdf)).pages
    assert len(pages) >= 3
    for page in pages[:-1]:
        assert "Наименование на стоката/услугата" in (page.extract_text() or "")
    for number, page in enumerate(pages, start=1):
        assert f"ФАКТУРА № 0000000042 · Стр. {number} / {len(pages)}" in page.extract_text()
    assert "Услуга номер 90" in pdf_text(pdf)


def test_one_page_document_has_no_page_numbers():
    pdf = render_document_pdf(PrintableDocument.sample())
    assert printing.page_count(pdf) == page_count(pdf) == 1
    text = pdf_text(pdf)
    assert "ФАКТУРА № 0000000042" in text and "Стр." not in text


def test_page_count_reads_the_page_tree_or_says_it_cannot():
    two = render_document_pdf(PrintableDocument.sample(lines=PrintableDocument.sample().lines * 12))
    assert printing.page_count(two) == page_count(two) > 1
    assert printing.page_count(b"%PDF-1.7 no page tree here") is None


def test_number_formats():
    assert format_quantity(Decimal("3.500")) == "3,5"
    assert format_quantity(Decimal("12")) == "12"
    assert format_quantity(Decimal("1234.125")) == "1\u00a0234,125"
    assert format_unit_price(Decimal("6.4500")) == "6,45"
    assert format_unit_price(Decimal("0.1234")) == "0,1234"
    assert format_unit_price(Decimal("100")) == "100,00"


def test_printable_record_refuses_bad_values():
    with pytest.raises(PrintableError, match="number"):
        PrintableDocument.sample(number="42")
    with pytest.raises(PrintableError, match="number"):
        PrintableDocument.sample(number="")
    with pytest.raises(PrintableError, match="language"):
        PrintableDocument.sample(language="de")
    with pytest.raises(PrintableError, match="kind"):
        PrintableDocument.sample(kind="receipt")
    line = PrintableLine(
        position=1, description="x", quantity=Decimal(1), unit="бр.", unit_price=Decimal(1)
    )
    doc = PrintableDocument.sample(lines=[line])
    assert isinstance(doc.lines, tuple)


def test_annulment_protocol_contents():
    protocol = PrintableAnnulmentProtocol.sample()
    text = pdf_text(render_annulment_protocol_pdf(protocol))
    for expected in (
        "ПРОТОКОЛ",
        "за анулиране на данъчен документ",
        "02.12.2026",
        "София",
        "Примерна Фирма ЕООД",
        "Клиент Трейд АД",
        "BG206521510",
        "0000000042",
        "28.11.2026",
        "1 389,68 EUR",
        "Причина за анулирането",
        "Грешно посочен получател на доставката",
        "фактура № 0000000047 / 02.12.2026",
        "За доставчика",
        "За получателя",
        "Иван Петров Иванов",
        "Мария Георгиева",
    ):
        assert expected in text, expected
    with pytest.raises(PrintableError, match="reason"):
        PrintableAnnulmentProtocol.sample(reason=" ")


def test_annulment_protocol_in_english():
    text = pdf_text(render_annulment_protocol_pdf(PrintableAnnulmentProtocol.sample(language="en")))
    assert "PROTOCOL" in text and "Reason for the annulment" in text


def test_default_template_validates():
    assert validate_custom_template(DOCUMENT_TEMPLATE) == []


def test_custom_template_that_works_is_used(tmp_path: Path):
    custom = tmp_path / "simple.typ"
    custom.write_text(
        '#let data = json("data.json")\n'
        '#set text(font: "Inter")\n'
        "= Моята #data.title №#data.number\n"
        "#for l in data.lines [- #l.description]\n",
        encoding="utf-8",
    )
    assert validate_custom_template(custom) == []
    text = pdf_text(
        render_document_pdf(PrintableDocument.sample(), options=PdfOptions(template=custom))
    )
    assert "Моята ФАКТУРА №0000000042" in text


def test_custom_template_validation_catches_broken_templates(tmp_path: Path):
    syntax = tmp_path / "syntax.typ"
    syntax.write_text("#let x = (\n", encoding="utf-8")
    errors = validate_custom_template(syntax)
    assert errors and all("syntax.typ" in e for e in errors)
    assert "line" in errors[0]

    missing_field = tmp_path / "field.typ"
    missing_field.write_text(
        '#let data = json("data.json")\n#data.no_such_field\n', encoding="utf-8"
    )
    assert any("no_such_field" in e for e in validate_custom_template(missing_field))

    # Breaks only on voided documents: the validation tries that variant too.
    voided_only = tmp_path / "voided.typ"
    voided_only.write_text(
        '#let data = json("data.json")\n'
        '#if data.status == "voided" { panic("cannot print voided") }\n#data.title\n',
        encoding="utf-8",
    )
    errors = validate_custom_template(voided_only)
    assert len(errors) == 1 and errors[0].startswith("voided:")

    assert validate_custom_template(tmp_path / "nothing.typ")
    not_typst = tmp_path / "t.html"
    not_typst.write_text("<html>", encoding="utf-8")
    assert "ending in .typ" in validate_custom_template(not_typst)[0]
    with pytest.raises(PdfError, match="template"):
        render_document_pdf(PrintableDocument.sample(), template=tmp_path / "nothing.typ")


def test_each_render_reads_its_own_data():
    # The data file is rewritten before every compile; a stale read would repeat a number.
    numbers = [f"{n:010d}" for n in (7, 8, 9, 7)]
    texts = [pdf_text(render_document_pdf(PrintableDocument.sample(number=n))) for n in numbers]
    for number, text in zip(numbers, texts, strict=True):
        assert f"№ {number}" in text
        assert {n for n in numbers if n != number}.isdisjoint(text.split())


def test_custom_template_cannot_read_files_outside_its_folder(tmp_path: Path):
    secret = tmp_path / "secret.txt"
    secret.write_text("SECRET", encoding="utf-8")
    custom = tmp_path / "peek.typ"
    custom.write_text(f'#read("{secret}")\n#read("../secret.txt")\n', encoding="utf-8")
    errors = validate_custom_template(custom)
    assert errors and all("peek.typ" in e for e in errors)
    with pytest.raises(PdfError):
        render_document_pdf(PrintableDocument.sample(), template=custom)


def test_credit_note_asks_for_no_payment():
    invoice = document_data(PrintableDocument.sample())
    note = document_data(PrintableDocument.sample(kind="credit_note", title="КРЕДИТНО ИЗВЕСТИЕ"))
    assert invoice["payment"]["rows"] and any("Падеж" in row for row in invoice["dates"])
    assert note["payment"]["rows"] == [] and note["qr_svg"] is None
    assert not any("Падеж" in row for row in note["dates"])


def test_twelve_digit_amounts_and_long_words_stay_inside_their_columns():
    from xfinances.invoicing.pdf import breakable
    from xfinances.invoicing.printable import PrintableVatRow
    from xfinances.invoicing.words import amount_in_words

    big = Decimal("999999999999.99")
    word = "Б" * 300
    sample = PrintableDocument.sample()
    doc = replace(
        sample,
        lines=(
            replace(
                sample.lines[0],
                description=word,
                quantity=Decimal("1"),
                unit_price=big,
                net=big,
            ),
        ),
        vat_rows=(
            PrintableVatRow(label="ДДС 20 %", rate=Decimal("20"), base=big, vat=Decimal("1e11")),
        ),
        totals=PrintableTotals(base=big, vat=Decimal("1e11"), total=Decimal("1e12")),
        amount_in_words=amount_in_words(Decimal("1e12"), "EUR"),
    )
    data = document_data(doc)
    widths = {c["key"]: c["width"] for c in data["columns"]}
    longest_amount = len("999 999 999 999,99")
    assert widths["net"] >= longest_amount * 1.75 and widths["unit_price"] >= longest_amount * 1.75
    assert data["vat_widths"][0] >= len("999 999 999 999,99 EUR") * 1.75
    assert max(len(part) for part in data["lines"][0]["description"].split("\u200b")) <= 24
    assert breakable("кратко описание") == "кратко описание"
    pdf = render_document_pdf(doc)
    text = pdf_text(pdf)
    assert "999 999 999 999,99" in text
    assert "Един трилион евро" in text  # the total of 10¹² has its words
    reader = PdfReader(io.BytesIO(pdf))
    page_width = float(reader.pages[0].mediabox.width)
    right_edges: list[float] = []

    def visit(text: str, cm, tm, font_dict, font_size) -> None:
        if text.strip():
            right_edges.append(float(tm[4]) + len(text) * float(font_size) * 0.3)

    for page in reader.pages:
        page.extract_text(visitor_text=visit)
    assert right_edges and max(right_edges) < page_width  # nothing runs off the page
