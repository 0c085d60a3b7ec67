"""Fuzzing the supplier-invoice UBL import (purchases/ubl.py) with hostile input: random bytes,
entity tricks, huge texts, deep nesting, wrong namespaces, and a valid invoice with any element's
text replaced or removed. The reader must answer with errors or a document, never raise, never
resolve an entity, and hand over only finite amounts of sane size."""

from __future__ import annotations

import os
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from xfinances.accounting.tests.test_ubl_rules import VALID
from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.models import Source
from xfinances.purchases import actions as purchases_actions
from xfinances.purchases.inputs import SupplierInvoiceInput
from xfinances.purchases.ubl import MAX_BYTES, UblResult, read_ubl

INVOICE = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
SECRET_FILE = "/etc/hostname"
# 150 in CI; `make bench` (bench/fuzz.py) sets FUZZ_EXAMPLES for its long run.
FUZZ = settings(
    max_examples=int(os.environ.get("FUZZ_EXAMPLES", "150")),
    deadline=None,
    suppress_health_check=list(HealthCheck),
)


def checked(data: bytes) -> UblResult:
    result = read_ubl(data)
    assert isinstance(result, UblResult)
    assert all(isinstance(e, str) and e for e in result.errors)
    if result.document is None:
        assert result.errors, "no document and no reason"
        return result
    assert result.errors == []
    document = result.document
    amounts = [document.total_base, document.total_vat, document.total, document.payable]
    for row in document.rows:
        amounts += [row.base, row.vat, row.vat_rate]
    for amount in amounts:
        assert isinstance(amount, Decimal) and amount.is_finite()
        assert abs(amount) < Decimal(10) ** 16
    assert len(document.number) <= 40
    return result


def elements() -> list[str]:
    """Paths (element indexes in document order) of every element of the valid invoice."""
    return [str(i) for i, _node in enumerate(etree.fromstring(VALID).iter())]


ELEMENT_COUNT = len(elements())
hostile_text = st.one_of(
    st.text(max_size=60),
    st.sampled_from(
        [
            "NaN",
            "sNaN",
            "-Infinity",
            "1e999999",
            "1E+9999999999",
            "9" * 400,
            "١٩٠",
            "0x10",
            " 12 ",
            "2026-02-30",
            "9999-99-99",
            "",
            "\u202e0001",
            "<![CDATA[x]]>",
        ]
    ),
)


@FUZZ
@given(data=st.binary(max_size=2000))
def test_random_bytes_never_crash(data: bytes) -> None:
    checked(data)


@FUZZ
@given(index=st.integers(0, ELEMENT_COUNT - 1), value=hostile_text, drop=st.booleans())
def test_any_element_of_a_valid_invoice_changed_or_dropped(
    index: int, value: str, drop: bool
) -> None:
    root = etree.fromstring(VALID)
    node = list(root.iter())[index]
    parent = node.getparent()
    if drop and parent is not None:
        parent.remove(node)
    else:
        # Strip characters XML cannot carry; lxml refuses them before the reader sees them.
        node.text = "".join(c for c in value if c.isprintable() or c in "\t\n")
    checked(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


@FUZZ
@given(
    attribute=st.sampled_from(["currencyID", "unitCode", "schemeID", "mimeCode", "filename"]),
    value=hostile_text,
)
def test_hostile_attributes(attribute: str, value: str) -> None:
    root = etree.fromstring(VALID)
    clean = "".join(c for c in value if c.isprintable())
    for node in root.iter():
        if node.get(attribute) is not None or attribute in ("schemeID", "filename"):
            node.set(attribute, clean)
    checked(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


@FUZZ
@given(
    namespace=st.one_of(
        st.sampled_from(
            [
                "",
                "urn:oasis:names:specification:ubl:schema:xsd:Invoice-1",
                "urn:oasis:names:specification:ubl:schema:xsd:Order-2",
                "http://www.w3.org/1999/xhtml",
            ]
        ),
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz:/.-", min_size=1, max_size=40),
    )
)
def test_wrong_root_namespace_is_refused_clearly(namespace: str) -> None:
    text = VALID.decode().replace(f'xmlns="{INVOICE}"', f'xmlns="{namespace}"' if namespace else "")
    result = checked(text.encode())
    assert result.document is None


def test_entities_are_refused_wherever_they_are_declared() -> None:
    body = f'<Invoice xmlns="{INVOICE}" xmlns:cbc="{CBC}"><cbc:ID>&a;</cbc:ID></Invoice>'
    doctype = f'<!DOCTYPE Invoice [<!ENTITY a SYSTEM "file://{SECRET_FILE}">]>'
    laughs = (
        '<!DOCTYPE Invoice [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
        '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>'
    )
    padding = "<!--" + "x" * 5000 + "-->"
    variants = [
        (doctype + body).encode(),
        ('<?xml version="1.0"?>' + padding + doctype + body).encode(),
        ('<?xml version="1.0" encoding="UTF-16"?>' + doctype + body).encode("utf-16"),
        (laughs + body.replace("&a;", "&d;")).encode(),
        (padding + laughs + body.replace("&a;", "&d;")).encode(),
    ]
    for data in variants:
        result = checked(data)
        assert result.document is None
        assert any("entities" in e or "XML" in e for e in result.errors), result.errors


def test_external_dtd_xinclude_and_deep_nesting_do_not_reach_outside() -> None:
    external = (
        f'<!DOCTYPE Invoice SYSTEM "file://{SECRET_FILE}">'
        f'<Invoice xmlns="{INVOICE}" xmlns:cbc="{CBC}"><cbc:ID>1</cbc:ID></Invoice>'
    ).encode()
    xinclude = (
        f'<Invoice xmlns="{INVOICE}" xmlns:cbc="{CBC}" xmlns:xi="http://www.w3.org/2001/XInclude">'
        f'<cbc:ID><xi:include href="{SECRET_FILE}" parse="text"/></cbc:ID></Invoice>'
    ).encode()
    deep = (b"<a>" * 100_000) + (b"</a>" * 100_000)
    for data in (external, xinclude, deep):
        result = checked(data)
        assert result.document is None
    try:
        secret = open(SECRET_FILE, encoding="utf-8").read().strip()  # noqa: SIM115
    except OSError:
        secret = ""
    if secret:
        for data in (external, xinclude):
            assert all(secret not in e for e in read_ubl(data).errors)


def test_huge_text_and_huge_files() -> None:
    big_note = VALID.replace(
        b"<cbc:BuyerReference>",
        b"<cbc:Note>" + b"x" * 5_000_000 + b"</cbc:Note><cbc:BuyerReference>",
    )
    result = checked(big_note)
    assert result.document is not None and len(result.document.note) <= 200
    too_big = b" " * (MAX_BYTES + 1)
    assert "25 MB" in checked(too_big).errors[0]


def test_amounts_that_decimal_would_accept_are_refused_as_numbers() -> None:
    for text in ("sNaN", "NaN", "Infinity", "1e999999", "١٩٠", "9" * 40):
        data = VALID.replace(b">190.00<", f">{text}<".encode())
        result = checked(data)
        assert result.document is None and result.errors, text


@pytest.mark.django_db
@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(index=st.integers(0, ELEMENT_COUNT - 1), value=hostile_text)
def test_staging_and_registering_a_mutated_file_fails_only_on_purpose(
    company: Any, index: int, value: str
) -> None:
    """Through the actions the import page uses: a refusal is InvalidInput or Conflict (shown
    on the form), never another exception."""
    root = etree.fromstring(VALID)
    node = list(root.iter())[index]
    node.text = "".join(c for c in value if c.isprintable())
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8")
    actor = Actor.system(Source.CLI)
    staged, result = purchases_actions.stage_ubl_import(actor, company, "fuzz.xml", data)
    if result.document is None:
        assert staged is None and result.errors
        return
    read = result.document
    try:
        supplier = purchases_actions.create_supplier_from_ubl(actor, company, read.supplier)
    except (InvalidInput, Conflict):
        return
    try:
        purchases_actions.register_supplier_invoice(
            actor,
            company,
            SupplierInvoiceInput.read(
                {
                    "supplier": supplier,
                    "kind": read.kind,
                    "supplier_number": read.number,
                    "issue_date": read.issue_date,
                    "tax_event_date": read.tax_event_date,
                    "due_date": read.due_date,
                    "currency": read.currency,
                    "supplier_iban": read.supplier.iban,
                    "payment_reference": read.payment_reference,
                    "rows": [
                        {"vat_rate": r.vat_rate, "base": r.base, "vat": r.vat} for r in read.rows
                    ],
                }
            ),
            import_id=staged.pk if staged else None,
        )
    except (InvalidInput, Conflict):
        return
