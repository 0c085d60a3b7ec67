"""A company's print settings: layout choices, texts, logo and a custom template."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image
from pypdf import PdfReader

from xfinances.core.audit import Actor
from xfinances.core.exceptions import InvalidInput, NotAllowed
from xfinances.core.models import AuditEntry
from xfinances.invoicing import actions, printing, queries
from xfinances.invoicing.models import Document, PrintSettings
from xfinances.invoicing.pdf import PdfOptions
from xfinances.invoicing.tests.factories import issued

CUSTOM = '#let data = json("data.json")\n#set text(font: "Inter")\nМОЯ БЛАНКА #data.number\n'


def text_of(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    return re.sub(r"\s+", " ", text.replace("\u00a0", " "))


def stored_pdf_text(document: Document) -> str:
    actions.store_pdf(document)
    document.refresh_from_db()
    return text_of(document.pdf_file.read())


def test_a_company_without_settings_prints_with_the_defaults(company):
    assert printing.pdf_options(company) == PdfOptions()
    assert not PrintSettings.objects.filter(company=company).exists()


def test_settings_change_the_next_pdf_and_are_audited(company, owner):
    invoice = issued(company)
    before = stored_pdf_text(invoice)
    assert "Съставил" in before and "BGN" not in before

    actions.update_print_settings(
        Actor(owner),
        company,
        accent_colour="#8B0000",
        footer_text="  Регистрирани по ЗДДС.   Благодарим ви!  ",
        show_signatures=False,
        show_bgn_equivalent=True,
    )
    after = stored_pdf_text(invoice)
    assert "Регистрирани по ЗДДС. Благодарим ви!" in after
    assert "Съставил" not in after
    assert "Равностойност в BGN" in after
    invoice.refresh_from_db()
    assert invoice.pdf_version == 2  # the PDF issued first is kept in the history

    entry = AuditEntry.objects.filter(action="update_print_settings").latest("id")
    assert entry.changes["accent_colour"] == ["#1f4e79", "#8b0000"]
    assert entry.changes["show_signatures"] == [True, False]
    assert entry.user == owner


def test_bad_input_is_refused_by_field_and_changes_nothing(company, owner):
    actions.update_print_settings(Actor(owner), company, footer_text="Стар текст")
    with pytest.raises(InvalidInput) as refused:
        actions.update_print_settings(
            Actor(owner), company, accent_colour="red", footer_text="x" * 301
        )
    assert set(refused.value.errors) == {"accent_colour", "footer_text"}
    kept = queries.print_settings(company)
    assert (kept.accent_colour, kept.footer_text) == ("#1f4e79", "Стар текст")


def test_only_owners_and_accountants_change_print_settings(company, make_member):
    actions.update_print_settings(Actor(make_member(company, "accountant")), company, show_qr=False)
    for role in ("sales", "viewer"):
        with pytest.raises(NotAllowed):
            actions.update_print_settings(Actor(make_member(company, role)), company, show_qr=True)
    assert queries.print_settings(company).show_qr is False


def test_custom_template_is_checked_kept_used_and_removed(company, owner):
    actor = Actor(owner)
    invoice = issued(company)
    actions.update_print_settings(
        actor, company, custom_template=CUSTOM.encode(), custom_template_name='моя "бланка".typ'
    )
    settings = queries.print_settings(company)
    assert settings.custom_template == CUSTOM
    assert settings.custom_template_name == "моя_бланка_.typ"  # safe in a download header
    assert f"МОЯ БЛАНКА {invoice.number}" in stored_pdf_text(invoice)

    broken = '#let data = json("data.json")\n#data.no_such_field\n'
    with pytest.raises(InvalidInput) as refused:
        actions.update_print_settings(actor, company, custom_template=broken)
    (message,) = refused.value.errors["custom_template"]  # one per error, not per sample
    assert "no_such_field" in str(message) and "(bg, bg-en, en, voided)" in str(message)
    assert "custom-" not in str(message)  # the internal file name means nothing to the user
    with pytest.raises(InvalidInput, match="UTF-8"):
        actions.update_print_settings(actor, company, custom_template=b"\xff\xfe#let")
    with pytest.raises(InvalidInput, match=r"\.typ"):
        actions.update_print_settings(
            actor, company, custom_template=CUSTOM, custom_template_name="x.html"
        )
    assert queries.print_settings(company).custom_template == CUSTOM  # still the good one

    entry = AuditEntry.objects.filter(action="update_print_settings").latest("id")
    assert (
        entry.changes["custom_template"][0] == "" and len(entry.changes["custom_template"][1]) == 12
    )

    actions.update_print_settings(actor, company, custom_template="")
    assert queries.print_settings(company).custom_template_name == ""
    assert "МОЯ БЛАНКА" not in stored_pdf_text(invoice)


IMAGE = re.compile(rb"/Subtype\s*/Image")


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 20), (31, 78, 121)).save(buffer, "PNG")
    return buffer.getvalue()


def test_company_logo_is_printed_unless_switched_off(company, owner):
    company.logo.save("logo.png", io.BytesIO(_png()))
    invoice = issued(company)
    actions.store_pdf(invoice)
    invoice.refresh_from_db()
    assert IMAGE.search(invoice.pdf_file.read())

    actions.update_print_settings(Actor(owner), company, show_logo=False, show_qr=False)
    actions.store_pdf(invoice)
    invoice.refresh_from_db()
    assert not IMAGE.search(invoice.pdf_file.read())


def test_settings_page_saves_and_refuses_a_broken_template(company, client_as):
    client = client_as(company, "owner")
    page = f"/c/{company.eik}/documents/print-settings/"
    shown = client.get(page)
    assert shown.status_code == 200
    assert 'id="print-settings-form"' in shown.content.decode()

    saved = client.post(
        page,
        {
            "accent_colour": "#0a5c36",
            "footer_text": "IBAN за плащане в левове няма",
            "show_logo": "on",
            "show_qr": "on",
        },
    )
    assert saved.status_code == 302
    settings = queries.print_settings(company)
    assert (settings.accent_colour, settings.show_signatures) == ("#0a5c36", False)

    refused = client.post(
        page,
        {
            "accent_colour": "#0a5c36",
            "custom_template": SimpleUploadedFile("bad.typ", b"#let x = (\n"),
        },
    )
    assert refused.status_code == 200
    assert "Шаблонът не отпечатва примерния документ" in refused.content.decode()
    assert queries.print_settings(company).custom_template == ""

    preview = client.get(f"{page}preview/")
    assert preview["Content-Type"] == "application/pdf"
    assert "IBAN за плащане в левове няма" in text_of(preview.content)
    standard = client.get(f"{page}template/?standard=1")
    assert b'json("data.json")' in standard.content
    assert "document.typ" in standard["Content-Disposition"]


def test_settings_page_is_for_owners_and_accountants(company, client_as):
    client = client_as(company, "sales")
    assert client.get(f"/c/{company.eik}/documents/print-settings/").status_code == 403


def test_print_settings_api(company, api_as):
    api = api_as(company, "owner", choose=True)
    assert api.get("/print-settings").json()["accent_colour"] == "#1f4e79"
    changed = api.patch("/print-settings", {"show_qr": False, "custom_template": CUSTOM})
    assert changed.status_code == 200, changed.content
    assert changed.json()["show_qr"] is False
    assert changed.json()["custom_template_name"] == "template.typ"
    bad = api.patch("/print-settings", {"accent_colour": "blue"})
    assert bad.status_code == 422 and "accent_colour" in bad.content.decode()
    viewer = api_as(company, "viewer", choose=True)
    assert viewer.get("/print-settings").status_code == 200
    assert viewer.patch("/print-settings", {"show_qr": True}).status_code == 403
    assert queries.print_settings(company).show_qr is False
