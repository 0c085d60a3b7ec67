"""Attachments are served so that no stored file can run a script in the owner's session
(issue 14, defect 2): only PDFs and raster images inline, everything else as a download, with
`nosniff` and a sandboxing Content-Security-Policy."""

from __future__ import annotations

from typing import Any

import pytest

from xfinances.core.audit import Actor
from xfinances.purchases import actions
from xfinances.purchases.tests.factories import make_invoice

pytestmark = pytest.mark.django_db

XHTML = (
    b'<?xml version="1.0"?><html xmlns="http://www.w3.org/1999/xhtml">'
    b"<script>fetch('/api/v1/tokens',{method:'POST'})</script></html>"
)
SVG = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)


@pytest.mark.parametrize("content", [XHTML, SVG], ids=["xhtml", "svg"])
def test_an_xml_attachment_is_a_sandboxed_download(company: Any, client_as: Any, content: bytes):
    invoice = make_invoice(company)
    item = actions.add_attachment(Actor.system(), invoice, "fakture.xhtml", content)
    response = client_as(company, "owner").get(f"/c/{company.eik}/purchases/attachments/{item.pk}/")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]
    assert "default-src 'none'" in response["Content-Security-Policy"]


def test_a_pdf_attachment_is_shown_inline(company: Any, client_as: Any):
    invoice = make_invoice(company)
    item = actions.add_attachment(Actor.system(), invoice, "scan.pdf", b"%PDF-1.7 data")
    response = client_as(company, "owner").get(f"/c/{company.eik}/purchases/attachments/{item.pk}/")
    assert response["Content-Disposition"].startswith("inline")
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in response["Content-Security-Policy"]
