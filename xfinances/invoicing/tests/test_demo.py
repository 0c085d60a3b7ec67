"""The demo loader makes documents of every kind, in number order, and runs once."""

from __future__ import annotations

import pytest

from xfinances.invoicing import demo
from xfinances.invoicing.models import Document
from xfinances.invoicing.tests.factories import SYSTEM
from xfinances.parties import demo as parties_demo

pytestmark = pytest.mark.django_db


def test_demo_documents(company):
    parties_demo.load(SYSTEM, company, lambda message: None)
    demo.load(SYSTEM, company, lambda message: None)
    documents = Document.objects.filter(company=company)
    kinds = set(documents.values_list("kind", flat=True))
    assert kinds == {"invoice", "proforma", "credit_note", "debit_note", "protocol"}
    assert documents.filter(status="voided").count() == 1
    assert documents.filter(status="draft").count() == 2
    assert documents.filter(currency="USD", exchange_rate__isnull=False).exists()
    assert documents.filter(is_advance=True).exists()
    assert documents.filter(lines__advance_document__isnull=False).exists()
    assert documents.filter(vat_groups__nap_column="02-15").exists()
    tax = list(documents.filter(number_group="tax").exclude(number=None).order_by("number"))
    assert [int(d.number) for d in tax] == list(range(1, len(tax) + 1))
    assert [d.issue_date for d in tax] == sorted(d.issue_date for d in tax)
    count = documents.count()
    demo.load(SYSTEM, company, lambda message: None)
    assert Document.objects.filter(company=company).count() == count
