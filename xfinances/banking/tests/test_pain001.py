"""pain.001 supplier payment files: valid against the ISO schemas, SEPA rules, bad input."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import translation
from lxml import etree

from xfinances.banking.pain001 import (
    SCHEMAS,
    Debtor,
    IbanRecord,
    PaymentFile,
    PaymentFileError,
    PostalAddress,
    Transfer,
    bic_for,
    end_to_end_id,
    iban_changed,
    sepa_text,
    validate,
    write,
)
from xfinances.invoicing.creditor_reference import rf_for_document

OUR_IBAN = "BG80BNBG96611020345678"
SUPPLIER_IBAN = "BG18RZBB91550123456789"
OTHER_IBAN = "BG16UNCR70000015201234"
SOFIA = PostalAddress(
    country="BG", town="София", street="бул. Витоша", building="12", postcode="1000"
)


def transfer(k: int = 1, **changes) -> Transfer:
    values = {
        "creditor_name": "Доставчик Трейд ООД",
        "creditor_iban": SUPPLIER_IBAN,
        "amount": Decimal("1200.50"),
        "end_to_end_id": end_to_end_id("B42", k),
        "creditor_address": SOFIA,
        "invoice_number": f"{k:010d}",
    }
    values.update(changes)
    return Transfer(**values)


def payment_file(*transfers: Transfer, **changes) -> PaymentFile:
    values = {
        "message_id": "XF-B42-20261201",
        "created_at": dt.datetime(2026, 12, 1, 9, 30, 15, 123),
        "execution_date": dt.date(2026, 12, 2),
        "debtor": Debtor(name="Нашата Фирма ЕООД", iban=OUR_IBAN, address=SOFIA),
        "transfers": transfers or (transfer(1),),
    }
    values.update(changes)
    return PaymentFile(**values)


def parse(xml: bytes):
    root = etree.fromstring(xml)
    ns = {"p": root.nsmap[None]}
    return root, ns


@pytest.mark.parametrize("schema", SCHEMAS)
def test_a_file_of_several_invoices_validates_against_the_iso_schema(schema):
    rf = rf_for_document("0000000077")
    xml = write(
        payment_file(
            transfer(1),
            transfer(2, amount=Decimal("99.99"), reference=rf, invoice_number=""),
            transfer(3, creditor_bic="RZBBBGSF", creditor_iban=OTHER_IBAN),
        ),
        schema,
    )
    validate(xml, schema)  # write() validates too; this checks the public validator
    root, ns = parse(xml)
    assert root.nsmap[None] == f"urn:iso:std:iso:20022:tech:xsd:{schema}"
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:NbOfTxs", namespaces=ns) == "3"
    assert root.findtext("p:CstmrCdtTrfInitn/p:GrpHdr/p:CtrlSum", namespaces=ns) == "2500.99"
    e2e = root.xpath("//p:EndToEndId/text()", namespaces=ns)
    assert e2e == ["XF-B42-1", "XF-B42-2", "XF-B42-3"]
    # RF → structured remittance (SCOR, ISO); otherwise the invoice number, unstructured.
    assert root.xpath("//p:CdtrRefInf/p:Ref/text()", namespaces=ns) == [rf]
    assert root.xpath("//p:CdtrRefInf/p:Tp/p:CdOrPrtry/p:Cd/text()", namespaces=ns) == ["SCOR"]
    assert root.xpath("//p:Ustrd/text()", namespaces=ns) == ["INV 0000000001", "INV 0000000003"]
    # Structured creditor address, transliterated to the SEPA character set.
    address = root.xpath("//p:Cdtr/p:PstlAdr", namespaces=ns)[0]
    assert [(etree.QName(e).localname, e.text) for e in address] == [
        ("StrtNm", "bul. Vitosha"),
        ("BldgNb", "12"),
        ("PstCd", "1000"),
        ("TwnNm", "Sofia"),
        ("Ctry", "BG"),
    ]
    assert root.xpath("//p:Cdtr/p:Nm/text()", namespaces=ns)[0] == "Dostavchik Treyd OOD"
    bic_tag = "BICFI" if schema.endswith(".09") else "BIC"
    assert root.xpath(f"//p:DbtrAgt/p:FinInstnId/p:{bic_tag}/text()", namespaces=ns) == ["BNBGBGSD"]
    assert root.xpath(f"//p:CdtrAgt/p:FinInstnId/p:{bic_tag}/text()", namespaces=ns) == ["RZBBBGSF"]


def test_execution_date_shape_differs_between_versions():
    new, ns = parse(write(payment_file(), "pain.001.001.09"))
    old, ns_old = parse(write(payment_file(), "pain.001.001.03"))
    assert new.findtext(".//p:ReqdExctnDt/p:Dt", namespaces=ns) == "2026-12-02"
    assert old.findtext(".//p:ReqdExctnDt", namespaces=ns_old) == "2026-12-02"


def test_hybrid_address_with_two_free_lines_validates():
    hybrid = PostalAddress(country="BG", town="Пловдив", lines=("ул. Иван Вазов 5", "ет. 3"))
    write(payment_file(transfer(1, creditor_address=hybrid)))


def test_a_schema_violation_is_reported_with_its_line():
    xml = write(payment_file())
    broken = xml.replace(b"<PmtMtd>TRF</PmtMtd>", b"<PmtMtd>CASH</PmtMtd>")
    with pytest.raises(PaymentFileError) as error:
        validate(broken, "pain.001.001.09")
    assert "line" in str(error.value) and "PmtMtd" in str(error.value)


def test_entities_are_not_expanded_when_validating():
    evil = (
        b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b'<Document xmlns="urn:iso:std:iso:20022:tech:xsd:pain.001.001.09">&x;</Document>'
    )
    with pytest.raises(PaymentFileError):
        validate(evil)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"creditor_iban": "BG00XXXX00000000000000"}, "transfers[0].creditor_iban"),
        ({"creditor_address": None}, "transfers[0].creditor_address"),
        (
            {"creditor_address": PostalAddress(country="BG", town="")},
            "transfers[0].creditor_address",
        ),
        (
            {"creditor_address": PostalAddress(country="Bulgaria", town="Sofia")},
            "transfers[0].creditor_address",
        ),
        ({"amount": Decimal("0")}, "transfers[0].amount"),
        ({"amount": Decimal("10.005")}, "transfers[0].amount"),
        ({"currency": "BGN"}, "transfers[0].currency"),
        ({"end_to_end_id": "a" * 36}, "transfers[0].end_to_end_id"),
        ({"end_to_end_id": "ф-ра 1"}, "transfers[0].end_to_end_id"),
        ({"reference": "RF00123"}, "transfers[0].reference"),
        ({"invoice_number": ""}, "transfers[0].invoice_number"),
        ({"creditor_bic": "NOTABIC"}, "transfers[0].creditor_bic"),
        ({"creditor_name": " "}, "transfers[0].creditor_name"),
    ],
)
def test_bad_input_names_the_field_and_writes_nothing(changes, field):
    with pytest.raises(PaymentFileError) as error:
        write(payment_file(transfer(1, **changes)))
    assert field in error.value.errors


def test_each_invoice_needs_its_own_end_to_end_id():
    with pytest.raises(PaymentFileError) as error:
        write(payment_file(transfer(1), transfer(2, end_to_end_id=end_to_end_id("B42", 1))))
    assert "transfers[1].end_to_end_id" in error.value.errors


def test_an_empty_file_and_an_unknown_format_are_refused():
    with pytest.raises(PaymentFileError) as error:
        write(payment_file(transfers=()))
    assert "transfers" in error.value.errors
    with pytest.raises(PaymentFileError):
        write(payment_file(), "pain.001.001.42")


def test_sepa_text_transliterates_and_keeps_to_the_character_set():
    assert sepa_text("ЕТ „Живко Щерев“ & с-ие", 70) == "ET Zhivko Shterev + s-ie"
    assert sepa_text("ЩИТ ООД", 70) == "SHTIT OOD"
    assert sepa_text("фактура №12; 5%", 70) == "faktura No12 5"
    assert len(sepa_text("а" * 200, 140)) == 140


def test_end_to_end_ids_and_bics():
    assert end_to_end_id("batch #42/2026", 123456) == "XF-batch422026-123456"
    assert len(end_to_end_id("x" * 50, 10**12)) <= 35
    assert bic_for(OUR_IBAN) == "BNBGBGSD"
    assert bic_for("not an iban") == ""


# ----------------------------------------------------------------------------- IBAN changes

DAY = dt.date(2026, 12, 1)


def test_an_iban_other_than_the_last_paid_one_is_flagged():
    history = [
        IbanRecord(SUPPLIER_IBAN, dt.date(2025, 1, 1)),
        IbanRecord(OTHER_IBAN, dt.date(2026, 3, 1)),
    ]
    with translation.override("en"):
        flag = iban_changed(history, SUPPLIER_IBAN, today=DAY)
    assert flag is not None and flag.iban == OTHER_IBAN and flag.previous == SUPPLIER_IBAN
    assert "last paid" in flag.reason


def test_a_recent_change_is_flagged_even_before_any_payment():
    history = [
        IbanRecord(SUPPLIER_IBAN, dt.date(2025, 1, 1)),
        IbanRecord(OTHER_IBAN, DAY - dt.timedelta(days=3)),
    ]
    with translation.override("bg"):
        flag = iban_changed(history, None, today=DAY)
    assert flag is not None and flag.previous == SUPPLIER_IBAN and "преди 3 дни" in flag.reason


def test_an_unchanged_or_long_settled_iban_is_not_flagged():
    history = [
        IbanRecord(SUPPLIER_IBAN, dt.date(2025, 1, 1)),
        IbanRecord(OTHER_IBAN, dt.date(2026, 1, 1)),
    ]
    assert iban_changed(history, OTHER_IBAN.lower(), today=DAY) is None
    assert iban_changed(history, None, today=DAY) is None
    assert iban_changed([IbanRecord(SUPPLIER_IBAN, DAY)], None, today=DAY) is None
    assert iban_changed([], SUPPLIER_IBAN) is None
