"""Every page, opened in Bulgarian by the company's owner with a record of every kind, shows no
English the catalogue has a translation for and no code meant for programs (`write_off`,
`register_supplier_invoice`).

The walker reads the URL configuration (the tenant-isolation walk, with its records), so a new
page is covered as soon as it exists. It reads the text a person sees: text nodes and the title,
placeholder, aria-label and alt attributes, leaving out what is not the product's own words —
user-entered text (`data-user-text`), English variants shown on purpose (`lang="en"`), code,
scripts and form fields' values."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import polib
import pytest
from django.apps import apps

from xfinances.core.demo import DEMO_EIK, load_demo
from xfinances.core.models import Company, User
from xfinances.core.tests.test_tenant_isolation import all_routes, fill, isolation_objects
from xfinances.core.tests.test_translations import CATALOGUE

SKIPPED_TAGS = {"script", "style", "code", "pre", "textarea", "kbd", "samp"}
VOID_TAGS = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source"}
SHOWN_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
CODE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
# Addresses, placeholders, file names and absolute paths (a temporary folder's random name
# may hold an underscore) are names, not words.
NOT_WORDS = re.compile(
    r"\S+@\S+|https?://\S+|\{[a-z_]+\}|\S+\.(?:csv|txt|xml|pdf|zip|xlsx)\b|(?<!\S)/[\w./-]+"
)
CYRILLIC = re.compile("[а-яА-Я]")
# A number written for programs: a decimal point where Bulgarian writes a comma (1234.50,
# 5.00, 1.95583). Two digits on each side (05.03, 07.26) may be a day or a short month, a
# single decimal a version (UBL 2.1) and four after a month a year (03.2026): not these.
RAW_NUMBER = re.compile(
    r"(?<![\w.,/:-])(?!\d\d\.\d\d(?!\d)|[01]\d\.20\d\d(?!\d))\d+\.\d{2,}(?![\w/-]|[.,]\d)"
)
# A date or a month written for programs: 2026-03-05, 2026-03 or a period code 202603.
RAW_DATE = re.compile(
    r"(?<![\w.,-])(?:20\d\d-[01]\d(?:-[0-3]\d)?|20\d\d(?:0[1-9]|1[0-2]))(?![\w,-])"
)
# A single word with only punctuation, a number or a count around it: ": company", "Paid (2)".
LONE_WORD = re.compile(r"[\W\d_]*([A-Za-z]{3,})[\W\d_]*")
# Codes a person types as they are, and where.
TYPED = {
    "offline_access": "the OAuth scope of a Microsoft mailbox",
    "vat_number": "a column name of the parties' import file",
    "is_client": "a column name of the parties' import file",
    "is_supplier": "a column name of the parties' import file",
}


class VisibleText(HTMLParser):
    """The product's own visible words on a page, one string per text node or attribute."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._stack: list[bool] = []  # per open element: is its content left out?

    def _hidden(self) -> bool:
        return bool(self._stack) and self._stack[-1]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = dict(attrs)
        hidden = (
            self._hidden()
            or tag in SKIPPED_TAGS
            or "data-user-text" in names
            or (names.get("lang") or "").startswith("en")
        )
        if not hidden:
            self.found.extend(names[a] or "" for a in SHOWN_ATTRIBUTES if names.get(a))
        if tag not in VOID_TAGS:
            self._stack.append(hidden)

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID_TAGS and self._stack:
            self._stack.pop()

    def handle_data(self, data: str) -> None:
        if not self._hidden() and data.strip():
            self.found.append(" ".join(data.split()))


Phrase = tuple[str, re.Pattern[str]]


def phrase(text: str) -> Phrase:
    return text, re.compile(r"(?<![\w-])" + re.escape(text) + r"(?![\w-])")


def english_texts() -> tuple[list[Phrase], set[str]]:
    """The catalogue's English strings whose Bulgarian differs: phrases of two words or more,
    and single words."""
    phrases, words = [], set()
    for entry in polib.pofile(str(CATALOGUE)):
        text = entry.msgid
        if entry.obsolete or "%" in text or "{" in text or not CYRILLIC.search(entry.msgstr):
            continue
        if not re.search("[a-z]", text):
            continue
        if len(text.split()) >= 2:
            phrases.append(phrase(text))
        else:
            words.add(text.lower())
    return phrases, words


def problems_of(
    texts: list[str], phrases: list[Phrase], words: frozenset[str] | set[str] = frozenset()
) -> list[str]:
    """A phrase anywhere in a text; a single word only where it is the whole text (a cell, a
    badge, a value after its label): in a sentence a single English word is a name a person
    types (a column, a folder, an event), which the phrases and codes already guard."""
    found = []
    for text in texts:
        plain = NOT_WORDS.sub(" ", text)
        found.extend(
            f"code {code!r} in {text!r}" for code in CODE.findall(plain) if code not in TYPED
        )
        found.extend(
            f"English {english!r} in {text!r}" for english, p in phrases if p.search(plain)
        )
        found.extend(f"raw date {raw!r} in {text!r}" for raw in RAW_DATE.findall(plain))
        found.extend(f"raw number {raw!r} in {text!r}" for raw in RAW_NUMBER.findall(plain))
        alone = LONE_WORD.fullmatch(text)
        if alone and alone.group(1).lower() in words:
            found.append(f"English {alone.group(1)!r} in {text!r}")
    return found


def problems_on_page(
    url: str,
    response: Any,
    phrases: list[Phrase],
    words: frozenset[str] | set[str],
    whole_page: bool = False,
) -> list[str]:
    """`problems_of` the visible text of one page, each named by the page's URL. A fragment
    may have no text (an empty search result); a `whole_page` must."""
    parser = VisibleText()
    parser.feed(response.content.decode())
    assert parser.found or not whole_page, url
    return [f"{url}: {problem}" for problem in problems_of(parser.found, phrases, words)]


def test_the_walk_sees_what_a_person_sees() -> None:
    parser = VisibleText()
    parser.feed(
        '<p title="Total due">Paid <b>in full</b></p><code>write_off</code>'
        '<div lang="en">Standard rate</div><dd data-user-text>Kind regards</dd>'
        '<textarea>Hello</textarea><input value="Amount in words"><br>Sent at'
    )
    assert parser.found == ["Total due", "Paid", "in full", "Sent at"]
    texts = [
        "Sent at",
        "written_off here",
        "a@b_c.bg",
        ": company",
        "Paid (2)",
        "done/ папка",
        "В /tmp/x-z_xmi1s5/bank. Файлове",
        "Период 202603",
        "2026-03-05 14:00",
        "Период 2026-03",
        "Курс 1.95583, сума 1234.50",
        "05.03.2026 · 03.2026 · 07.26 · UBL 2.1 · 1 234,50 · 3,5 % · 0001000123 · camt.053.001.08",
    ]
    assert problems_of(texts, [phrase("Sent at")], {"company", "paid", "done"}) == [
        "English 'Sent at' in 'Sent at'",
        "code 'written_off' in 'written_off here'",
        "English 'company' in ': company'",
        "English 'Paid' in 'Paid (2)'",
        "raw date '202603' in 'Период 202603'",
        "raw date '2026-03-05' in '2026-03-05 14:00'",
        "raw date '2026-03' in 'Период 2026-03'",
        "raw number '1.95583' in 'Курс 1.95583, сума 1234.50'",
        "raw number '1234.50' in 'Курс 1.95583, сума 1234.50'",
    ]


@pytest.mark.django_db
def test_every_page_in_bulgarian_has_no_english_and_no_codes(
    company: Any, make_member: Any, client: Any
) -> None:
    client.force_login(make_member(company, "owner"))
    values = {**isolation_objects(company), "eik": company.eik, "area": "sales", "token_id": 0}
    phrases, words = english_texts()
    walked, found = 0, []
    for route in all_routes():
        if route.startswith(("api/", "portal/")):
            continue
        try:
            url = fill(route, values)
        except KeyError:
            continue  # the tenant-isolation test names missing arguments
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="bg")
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            continue
        walked += 1
        found.extend(problems_on_page(url, response, phrases, words))
    assert walked > 80  # the walk reached the pages
    assert not found, "\n".join(sorted(set(found)))


# The demo's records by the URL argument naming them; the kinds it has many of, each shown on
# its own pages, are walked one by one (EVERY_ONE).
DEMO_RECORDS = {
    "account_id": ("core", "CompanyBankAccount"),
    "membership_id": ("core", "Membership"),
    "allocation_id": ("payments", "Allocation"),
    "bank_account_id": ("parties", "PartyBankAccount"),
    "contact_id": ("parties", "PartyContact"),
    "cashflow_category_id": ("treasury", "CashflowCategory"),
    "planned_item_id": ("treasury", "PlannedItem"),
    "level_id": ("payments", "DunningLevel"),
    "pause_id": ("payments", "DunningPause"),
    "write_off_id": ("payments", "WriteOff"),
    "message_id": ("notifications", "OutboxMessage"),
    "template_id": ("invoicing", "RecurringInvoice"),
    "series_id": ("invoicing", "NumberSeries"),
    "product_id": ("catalog", "Product"),
    "treatment_id": ("catalog", "VatTreatment"),
    "rule_id": ("banking", "BankRule"),
    "payment_batch_id": ("purchases", "PaymentBatch"),
    "document_id": ("invoicing", "Document"),
    "party_id": ("parties", "Party"),
    "supplier_invoice_id": ("purchases", "SupplierInvoice"),
    "payment_id": ("payments", "Payment"),
    "movement_id": ("treasury", "Movement"),
    "money_account_id": ("treasury", "MoneyAccount"),
    "statement_id": ("banking", "Statement"),
    "entry_id": ("banking", "BankEntry"),
    "proposal_id": ("banking", "MatchProposal"),
}
EVERY_ONE = (
    "document_id",
    "party_id",
    "supplier_invoice_id",
    "payment_id",
    "movement_id",
    "money_account_id",
    "statement_id",
    "entry_id",
    "proposal_id",
)


@pytest.mark.django_db
def test_the_demo_company_in_bulgarian_has_no_english_and_no_raw_values(client: Any) -> None:
    """The walk above sees one record of every kind, made for it. The demo holds what a new
    user meets: paid, partly paid and overdue invoices, credit notes, payments, reminders,
    supplier invoices, a matched bank statement and the audit trail of it all. Every page of
    it, and every record of the kinds in EVERY_ONE on its own pages, in Bulgarian."""
    assert load_demo(lambda message: None) is True
    company = Company.objects.get(eik=DEMO_EIK)
    client.force_login(User.objects.get(email="owner@demo.xfinances.bg"))
    records = {
        name: list(
            apps.get_model(app, model)
            .objects.filter(company=company)
            .order_by("pk")
            .values_list("pk", flat=True)[:60]
        )
        for name, (app, model) in DEMO_RECORDS.items()
    }
    base: dict[str, Any] = {"eik": company.eik, "area": "sales", "token_id": 0}
    base.update({name: ids[0] for name, ids in records.items() if ids})
    phrases, words = english_texts()
    routes = [r for r in all_routes() if not r.startswith(("api/", "portal/"))]
    walked, found = 0, []

    def walk(route: str, values: dict[str, Any]) -> None:
        nonlocal walked
        try:
            url = fill(route, values)
        except KeyError:
            return
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="bg")
        if response.status_code != 200 or "text/html" not in response.get("Content-Type", ""):
            return
        walked += 1
        found.extend(problems_on_page(url, response, phrases, words))

    for route in routes:
        walk(route, base)
    for page in (2, 3):
        walk(f"c/{company.eik}/audit/?page={page}", base)
    for name in EVERY_ONE:
        own = [r for r in routes if f"<int:{name}>" in r]
        for pk in records[name][1:]:
            for route in own:
                walk(route, {**base, name: pk})
    assert walked > 200  # the walk reached the demo's pages
    assert not found, "\n".join(sorted(set(found)))
