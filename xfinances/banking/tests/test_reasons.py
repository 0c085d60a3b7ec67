"""A proposal's reasons are codes, written out in the page's language with its amounts.

Before: the engine wrote English sentences with raw amounts ("amount 1234.50 equals the open
amount; party by IBAN …"), and the review queue, a Bulgarian bookkeeper's daily page, showed
them as they were.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from xfinances.banking.matching.reasons import TEXTS, reason, to_json, write
from xfinances.banking.models import BankEntry, MatchProposal
from xfinances.banking.reason_text import describe
from xfinances.banking.sample_files import Row
from xfinances.banking.tests.factories import isolation_objects
from xfinances.banking.tests.test_import_statement import D1, IBAN, camt_file, run
from xfinances.banking.tests.test_matching import ALFA_IBAN, item, pay
from xfinances.banking.tests.test_matching import run as propose
from xfinances.core.models import AuditEntry
from xfinances.core.tests.test_bulgarian_pages import english_texts, problems_on_page
from xfinances.payments.tests.factories import invoice
from xfinances.treasury.tests.factories import bank_account

NB = "\u00a0"
# Reasons whose Bulgarian is written as the English is (an acronym, a kept sentence).
SAME_IN_BULGARIAN = {"by_iban", "text"}


def test_the_engine_gives_codes_and_the_english_reads_as_before() -> None:
    items = [item(1, "1234.50")]
    [best] = propose(pay("1234.50", "плащане", iban=ALFA_IBAN), items)
    assert [code for code, _ in best.reasons] == [
        "only_amount_in_party",
        "party",
        "amount_exact",
    ]
    assert best.reason == (
        "the party's only open document of 1234.50; party by IBAN "
        f"{ALFA_IBAN}; amount 1234.50 equals the open amount"
    )


def test_a_bulgarian_page_reads_them_in_bulgarian_with_its_amounts() -> None:
    items = [item(1, "1234.50")]
    [best] = propose(pay("1234.50", "плащане", iban=ALFA_IBAN), items)
    stored = to_json(best.reasons)
    assert stored[2] == ["amount_exact", {"amount": "1234.50"}]
    assert stored[1] == ["party", {"how": ["by_iban", {"iban": ALFA_IBAN}]}]
    with translation.override("bg"):
        text = describe(stored)
    assert text == (
        f"единственият неплатен документ на контрагента за 1{NB}234,50; контрагент по IBAN "
        f"{ALFA_IBAN}; сумата 1{NB}234,50 е равна на дължимата"
    )
    with translation.override("en"):
        assert describe(stored) == "the party's only open document of 1,234.50; " + (
            f"party by IBAN {ALFA_IBAN}; amount 1,234.50 equals the open amount"
        )


def test_every_reason_has_its_bulgarian_and_its_values() -> None:
    with translation.override("bg"):
        for code, text in TEXTS.items():
            if code not in SAME_IN_BULGARIAN:
                assert gettext(text) != text, code
            names = set(re.findall(r"%\((\w+)\)s", text))
            assert set(re.findall(r"%\((\w+)\)s", gettext(text))) == names, code


def test_a_nested_reason_a_list_of_numbers_and_an_unknown_code() -> None:
    reasons = [
        reason("party_conflict_fuzzy", how=reason("by_similar_name", name="Алфа", percent=91)),
        reason("named_together", count=2, numbers=["0000000001", "0000000002"]),
        ("a_code_of_a_later_version", {}),
    ]
    assert write(reasons) == (
        "but the name is another party's (similar name Алфа (91 %)); "
        "2 documents named in the payment: 0000000001, 0000000002; a_code_of_a_later_version"
    )
    with translation.override("en"):
        assert describe(to_json(reasons)) == write(reasons)


def test_the_review_queue_shows_the_reasons_in_bulgarian(company: Any, client_as: Any) -> None:
    objects = isolation_objects(company)
    proposal = MatchProposal.objects.get(pk=objects["proposal_id"])
    proposal.reasons = to_json(
        [
            reason("party", how=reason("by_learned_name", name="ЕЛТЕХ")),
            reason("amount_partial", amount=Decimal("1234.50")),
        ]
    )
    document = invoice(company, price="1500.00")
    proposal.allocations = [["sales", document.pk, "1234.50"], ["purchase", 999999, "5.00"]]
    proposal.save(update_fields=["reasons", "allocations"])
    page = client_as(company, "owner").get(reverse("banking:review", args=[company.eik]))
    content = page.content.decode()
    # The documents it would pay by their numbers, linked, with the amounts as Bulgarian writes
    # them (not "sales document #12: 1234.50"); one gone since is said so.
    detail = reverse("invoicing:detail", args=[company.eik, document.pk])
    assert (
        f'<a href="{detail}">Фактура {document.number}</a>: 1{NB}234,50, '
        f"документ, който вече го няма: 5,00" in content.replace("&nbsp;", NB)
    ), content
    assert f"контрагент по запомнено име ЕЛТЕХ; частично плащане, остават дължими 1{NB}234,50" in (
        content.replace("&nbsp;", NB)
    ), content
    assert "partial payment" not in content


def test_the_audit_log_reads_an_automatic_match_in_bulgarian(company: Any, client_as: Any) -> None:
    """The apply_match event keeps codes; the log writes them, and the names of the objects
    it touched, in Bulgarian, whatever language the import ran in."""
    account = bank_account(company, name="ББР", iban=IBAN)
    document = invoice(company, price="1200.00", day=D1 - dt.timedelta(days=5))
    rows = [Row(D1, Decimal("1200.00"), "Клиент", "", "плащане", reference=document.rf_reference)]
    with translation.override("en"):
        summary = run(company, camt_file(rows))
    assert summary.matched == 1
    entry = BankEntry.objects.get(account=account)
    event = AuditEntry.objects.get(action="apply_match", object_id=str(entry.pk))
    assert [code for code, _values in event.changes["reasons"][1]][:1] == ["reference"]
    page = client_as(company, "owner").get(
        reverse("audit_log", args=[company.eik]), HTTP_ACCEPT_LANGUAGE="bg"
    )
    content = page.content.decode().replace("&nbsp;", NB)
    assert f"референция {document.rf_reference} → {document.number}" in content
    assert f"Фактура {document.number}: 1{NB}200,00" in content
    # The entry's name, as Bulgarian writes it although the import ran in English.
    assert f"02.11.2026 1{NB}200,00{NB}EUR Клиент" in content
    phrases, words = english_texts()
    assert not problems_on_page("audit", page, phrases, words, whole_page=True)
