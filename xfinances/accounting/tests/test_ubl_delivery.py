"""The UBL reaches the client attached to the document e-mail when the company asks for it
(delivery settings). The portal's download is tested in portal/tests (the portal stands above
accounting)."""

from __future__ import annotations

from typing import Any

import pytest

from xfinances.accounting import ubl
from xfinances.accounting.ubl_rules import check_en16931
from xfinances.invoicing.actions import delivery
from xfinances.invoicing.tests.factories import SYSTEM, bg_client, issued
from xfinances.notifications import actions as notification_actions
from xfinances.notifications import outbox

pytestmark = pytest.mark.django_db


def xml_parts(message: Any) -> list[tuple[str, bytes]]:
    return [
        (part.get_filename(), bytes(part.get_content()))
        for part in message.iter_attachments()
        if part.get_content_type() == "application/xml"
    ]


def test_e_mail_carries_the_ubl_only_when_the_company_asks(company: Any, smtp_server: Any) -> None:
    party = bg_client(
        company, email="office@client.example.bg", eik="205711599", vat_number="BG205711599"
    )
    document = issued(company, party=party)

    delivery.send_document(SYSTEM, document)
    outbox.run()
    [plain] = smtp_server.received
    assert xml_parts(plain.message) == []
    assert any(p.get_content_type() == "application/pdf" for p in plain.message.iter_attachments())

    settings_row = notification_actions.update_delivery_settings(
        SYSTEM,
        company,
        notification_actions.DeliverySettingsInput.changes(attach_electronic_invoice=True),
    )
    assert settings_row.attach_electronic_invoice
    delivery.send_document(SYSTEM, document)
    outbox.run()
    [name, content] = xml_parts(smtp_server.received[1].message)[0]
    assert name == f"invoice-{document.number}.xml"
    assert content == ubl.build_ubl(document)
    assert ubl.validate_xsd(content) == [] and check_en16931(content) == []


def test_the_delivery_settings_page_saves_the_choice(company: Any, client_as: Any) -> None:
    client = client_as(company, "owner")
    url = f"/c/{company.eik}/delivery/settings/"
    page = client.get(url)
    assert page.status_code == 200
    assert "attach_electronic_invoice" in page.content.decode()
    response = client.post(url, {"attach_electronic_invoice": "on", "reply_to": ""})
    assert response.status_code == 302
    assert notification_actions.delivery_settings(company).attach_electronic_invoice
