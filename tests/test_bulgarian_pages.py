"""The translation check: the main pages, rendered in Bulgarian for the demo owner, show no
English message id, no raw unit code, no English validation phrase and no raw decimal.

`core/tests/test_translations.py` proves that each marked string has a Bulgarian entry; this
test catches what that cannot see: values shown without translation (units, categories, action
and field names in histories), strings never marked, and figures printed past the formatters.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import polib
import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import translation

from xfinances.core.demo import DEMO_EIK, load_demo
from xfinances.core.models import Company
from xfinances.invoicing.models import Document
from xfinances.parties.models import Party
from xfinances.payments.models import Payment
from xfinances.purchases.models import SupplierInvoice
from xfinances.treasury.models import MoneyAccount

pytestmark = pytest.mark.django_db

CATALOGUE = Path(__file__).resolve().parents[1] / "xfinances/locale/bg/LC_MESSAGES/django.po"
PAGES = [
    "",
    "settings/",
    "members/",
    "audit/",
    "rates/",
    "parties/",
    "catalog/",
    "catalog/vat-treatments/",
    "documents/",
    "documents/new/",
    "documents/recurring/",
    "documents/series/",
    "documents/print-settings/",
    "payments/",
    "payments/list/",
    "payments/reminders/",
    "purchases/",
    "purchases/new/",
    "purchases/due/",
    "purchases/settings/",
    "treasury/",
    "treasury/cash-flow/",
    "treasury/forecast/",
    "treasury/planned/",
    "treasury/transfers/",
    "treasury/categories/",
    "treasury/periods/",
    "delivery/",
    "delivery/settings/",
    "delivery/notifications/",
]
#: Stored codes that must never reach a Bulgarian page as they are.
RAW_CODES = {"pcs", "h", "hour", "day", "month", "service", "set", "pack", "create", "update"}
#: Three or more lowercase English words in a row: an untranslated sentence.
ENGLISH_PHRASE = re.compile(r"\b[a-z]{2,}(?: [a-z]{2,}){2,}\b")
#: A decimal with more places than any figure has, or an exponent: a figure past the formatters.
RAW_DECIMAL = re.compile(r"\d[.,]\d{7,}|\d[eE][+-]\d|\d{4}-\d\d-\d\dT\d\d")
#: Text that is Latin on purpose: e-mail and web addresses, the API, identifiers, demo data.
ALLOWED = re.compile(r"@|https?://|/api/|\bcurl\b|[A-Z]{2}\d{2}[A-Z0-9]{4}|Demo Finance")


SKIPPED = ("script", "style", "code", "pre", "textarea", "select")
VOID = ("br", "img", "input", "meta", "link", "hr", "source", "wbr")


#: The language switcher names each language in its own words.
NAMES_OF_LANGUAGES = {"English", "Български"}


class _Text(HTMLParser):
    """Text nodes as (text, is_user_text): what a person typed or a document in another
    language (`data-user-text`, `lang="en"`) is checked for raw figures only."""

    def __init__(self) -> None:
        super().__init__()
        self.skip = 0
        self.stack: list[bool] = []
        self.texts: list[tuple[str, bool]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in VOID:
            return
        found = dict(attrs)
        user = "data-user-text" in found or found.get("lang", "bg") not in ("bg", "")
        self.stack.append(user or bool(self.stack and self.stack[-1]))
        if tag in SKIPPED:
            self.skip += 1
        for name in ("title", "placeholder", "aria-label"):
            if found.get(name):
                self.texts.append((str(found[name]).strip(), self.stack[-1]))

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if self.stack:
            self.stack.pop()
        if tag in SKIPPED:
            self.skip = max(0, self.skip - 1)

    def handle_data(self, data: str) -> None:
        if not self.skip and data.strip():
            self.texts.append((" ".join(data.split()), bool(self.stack and self.stack[-1])))


def _english_ids() -> set[str]:
    """Message ids whose Bulgarian differs: seeing one on a Bulgarian page is a leak."""
    ids = set()
    for entry in polib.pofile(str(CATALOGUE)):
        if entry.msgid and entry.msgstr and entry.msgstr != entry.msgid and len(entry.msgid) > 3:
            ids.add(entry.msgid)
    return ids


def _leaks(html: str, english: set[str]) -> list[str]:
    parser = _Text()
    parser.feed(html)
    found = []
    for text, user_text in parser.texts:
        if RAW_DECIMAL.search(text):
            found.append(f"raw figure: {text!r}")
        if user_text or ALLOWED.search(text) or text in NAMES_OF_LANGUAGES:
            continue
        if text in english or text in RAW_CODES:
            found.append(f"message id or code: {text!r}")
        elif ENGLISH_PHRASE.search(text):
            found.append(f"English: {text!r}")
    return found


@pytest.fixture
def owner_client(db: None) -> Client:
    with translation.override("bg"):
        load_demo(lambda message: None)
    user = get_user_model().objects.get(email="owner@demo.xfinances.bg")
    client = Client(HTTP_ACCEPT_LANGUAGE="bg")
    client.force_login(user)
    client.cookies["django_language"] = "bg"
    return client


def _detail_pages() -> list[str]:
    company = Company.objects.get(eik=DEMO_EIK)
    pages = []
    for document in Document.objects.filter(company=company).order_by("pk"):
        pages.append(f"documents/{document.pk}/")
        pages.append(f"payments/documents/{document.pk}/")
    for party in Party.objects.filter(company=company).order_by("pk")[:5]:
        pages.append(f"parties/{party.pk}/")
        pages.append(f"payments/statement/{party.pk}/")
    pages += [f"payments/{p.pk}/" for p in Payment.objects.filter(company=company)[:5]]
    pages += [f"purchases/{i.pk}/" for i in SupplierInvoice.objects.filter(company=company)[:5]]
    pages += [f"treasury/accounts/{a.pk}/" for a in MoneyAccount.objects.filter(company=company)]
    return pages


def test_bulgarian_pages_show_no_english_and_no_raw_figures(owner_client: Client) -> None:
    english = _english_ids()
    problems: dict[str, list[str]] = {}
    for page in PAGES + _detail_pages():
        response = owner_client.get(f"/c/{DEMO_EIK}/{page}")
        if response.status_code != 200:
            problems[page] = [f"status {response.status_code}"]
            continue
        leaks = _leaks(response.content.decode(), english)
        if leaks:
            problems[page] = sorted(set(leaks))
    report = "\n".join(f"{page}: {'; '.join(leaks)}" for page, leaks in problems.items())
    assert not problems, "English or raw figures on Bulgarian pages:\n" + report
