"""The pure matching engine: one test per rule, then the quality on 10,000 generated payments."""

from __future__ import annotations

import _sre
import datetime as dt
import re._casefix
from dataclasses import replace
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bench.banking_data import evaluate, generate
from xfinances.banking.matching import (
    AUTOMATIC,
    DEFAULT_RULES,
    Incoming,
    MatchIndex,
    OpenItem,
    Rule,
    ScreenedRules,
    alias_key,
    classify,
    find_identifiers,
    find_numbers,
    first_rule,
    identify_party,
    incoming_from_entry,
    name_skeleton,
    own_transfer_rule,
    propose,
    rules_by_direction,
)
from xfinances.banking.matching.rules import fold
from xfinances.invoicing.creditor_reference import rf_for_document

D = Decimal
DAY = dt.date(2026, 11, 20)
ALFA_IBAN = "BG18RZBB91550123456789"
BETA_IBAN = "BG16UNCR70000015201234"


def item(
    id: int,
    amount: str,
    *,
    party: int | None = 1,
    name: str = "Алфа Трейд ООД",
    kind: str = "sales",
    identifiers: tuple[str, ...] = ("121212123", "BG121212123", ALFA_IBAN),
    reference: str | None = None,
    currency: str = "EUR",
) -> OpenItem:
    number = f"{id:010d}"
    return OpenItem(
        kind=kind,
        id=id,
        number=number,
        party_id=party,
        party_name=name,
        party_identifiers=identifiers,
        reference=rf_for_document(number) if reference is None else reference,
        open_amount=D(amount),
        currency=currency,
        issue_date=DAY - dt.timedelta(days=20),
        due_date=DAY - dt.timedelta(days=5),
    )


def beta(id: int, amount: str, **kwargs) -> OpenItem:
    return item(
        id,
        amount,
        party=2,
        name="Бета Строй ЕООД",
        identifiers=("200300400", "BG200300400", BETA_IBAN),
        **kwargs,
    )


def pay(
    amount: str,
    text: str = "",
    *,
    reference: str = "",
    e2e: str = "",
    name: str = "",
    iban: str = "",
    direction: str = "credit",
    currency: str = "EUR",
) -> Incoming:
    return Incoming(
        amount=D(amount),
        currency=currency,
        direction=direction,
        booking_date=DAY,
        reference=reference,
        end_to_end_id=e2e,
        text=text,
        counterparty_name=name,
        counterparty_iban=iban,
    )


def run(incoming: Incoming, items: list[OpenItem], aliases=None, tolerance="1.00"):
    return propose(incoming, items, aliases=aliases or {}, tolerance=D(tolerance))


def ids(proposal) -> list[int]:
    return sorted(a[1] for a in proposal.allocations)


# ----------------------------------------------------------------------------- text


@pytest.mark.parametrize(
    ("text", "keys"),
    [
        ("ф-ра 123", [("123", True)]),
        ("ф-ра123", [("123", True)]),
        ("Фактура № 0000000123 от 05.11.2025", [("123", True)]),
        ("фактура № 123/05.11", [("123", True)]),
        ("inv 0000000123", [("123", True)]),
        ("INV0000000123", [("123", True)]),
        ("плащане по ф. 77", [("77", True)]),
        ("ф-ри 12, 13 и 14", [("12", True), ("13", True), ("14", True)]),
        ("0000000123", [("123", False)]),
        ("сума 1 234,56 лв за 2025-11-05", []),
        ("наем ноември 4471,58", []),
        ("ф-ра 5 тел 0888123456", [("5", True), ("888123456", False)]),
        ("RF18 0000 0000 0012 3 ф-ра 9", [("9", True)]),
    ],
)
def test_document_numbers_are_found_however_payers_write_them(text, keys):
    assert [(m.key, m.keyword) for m in find_numbers(text)] == keys


def test_a_plain_word_ends_a_list_of_numbers():
    found = find_numbers("ф-ра 12 наем 13")
    assert [(m.key, m.keyword) for m in found] == [("12", True), ("13", False)]


def test_identifiers_in_text():
    assert find_identifiers("ЕИК 121212123, ДДС № BG 121212123") == [
        "121212123",
        "BG121212123",
        "121212123",
    ]


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Алфа Трейд ООД", "ALFA TREYD OOD"),
        ("Алфа Трейд ООД", "Alfa Treid Ltd."),
        ("ЕТ Живко Щерев", "Jivko Sterev ET"),
        ("ЕТ „Живко Щерев“", "ZHIVKO SHTEREV"),
        ("Цветан Юруков ЕООД", "TSVETAN YURUKOV EOOD"),
        ("Хемус-Трейд АД", "HEMUS TREYD AD"),
    ],
)
def test_names_compare_across_scripts_and_legal_forms(one, other):
    assert name_skeleton(one) == name_skeleton(other)


def test_alias_keys_are_compact_ibans_or_name_skeletons():
    assert alias_key("bg18 rzbb 9155 0123 4567 89") == "BG18RZBB91550123456789"
    assert alias_key("АЛФА ТРЕЙД ООД") == name_skeleton("Alfa Treyd")


# ----------------------------------------------------------------------------- the counterparty


def test_party_by_iban():
    index = MatchIndex.build([item(1, "10"), beta(2, "10")])
    guess = identify_party(pay("5", iban=BETA_IBAN.lower()), index, {})
    assert guess is not None and guess.party_id == 2 and guess.strong


def test_party_by_eik_or_vat_number_in_the_text():
    index = MatchIndex.build([item(1, "10"), beta(2, "10")])
    for text in ("плащане ЕИК 200300400", "ДДС№ BG200300400"):
        guess = identify_party(pay("5", text, iban="BG11XXXX00000000000000"), index, {})
        assert guess is not None and guess.party_id == 2 and guess.strong, text


def test_party_by_learned_alias_of_iban_or_name():
    index = MatchIndex.build([item(1, "10"), beta(2, "10")])
    unknown_iban = "BG96STSA93000012345678"
    by_iban = identify_party(pay("5", iban=unknown_iban), index, {alias_key(unknown_iban): 2})
    by_name = identify_party(pay("5", name="BS TRADE"), index, {alias_key("B.S. Trade"): 2})
    assert by_iban is not None and by_iban.party_id == 2 and by_iban.strong
    assert by_name is not None and by_name.party_id == 2 and by_name.strong


def test_party_by_fuzzy_name_in_latin():
    index = MatchIndex.build([item(1, "10"), beta(2, "10")])
    guess = identify_party(pay("5", name="BETA STROI EOOD"), index, {})
    assert guess is not None and guess.party_id == 2 and not guess.strong


def test_two_similar_names_refuse_a_guess():
    index = MatchIndex.build(
        [beta(1, "10"), item(2, "10", party=3, name="Бета Строй 1 ЕООД", identifiers=())]
    )
    assert identify_party(pay("5", name="BETA STROY EOD"), index, {}) is None


# ----------------------------------------------------------------------------- documents


def test_our_rf_reference_with_the_exact_amount_is_applied_automatically():
    items = [item(1, "120.00"), item(2, "120.00"), beta(3, "120.00")]
    [best] = run(pay("120.00", reference=items[0].reference), items)
    assert best.automatic and best.score >= AUTOMATIC and ids(best) == [1]
    assert best.party_id == 1 and best.overpayment == 0 and best.shortfall == 0
    assert "reference" in best.reason


def test_rf_reference_written_in_the_text_with_spaces():
    items = [item(1, "120.00"), item(2, "80.00")]
    spaced = " ".join(items[1].reference[k : k + 4] for k in range(0, 16, 4))
    best = run(pay("80.00", f"плащане {spaced}"), items)[0]
    assert best.automatic and ids(best) == [2]


def test_full_document_number_and_exact_amount_without_a_known_payer():
    items = [item(123, "99.90"), beta(124, "99.90")]
    best = run(pay("99.90", "0000000123", name="НЯКОЙ ДРУГ"), items)[0]
    assert best.automatic and ids(best) == [123]


def test_short_number_after_a_keyword_and_the_party():
    items = [item(123, "50.00"), item(7, "50.00")]
    best = run(pay("50.00", "по ф-ра 123/05.11", iban=ALFA_IBAN), items)[0]
    assert best.automatic and ids(best) == [123]


def test_a_bare_short_number_alone_is_only_a_suggestion():
    items = [item(1234, "50.00")]
    proposals = run(pay("50.00", "1234"), items)
    assert proposals and not proposals[0].automatic


def test_one_payment_for_several_documents_named_in_the_text():
    items = [item(12, "100.00"), item(13, "50.00"), item(14, "25.50"), item(15, "175.50")]
    best = run(pay("175.50", "ф-ри 12, 13 и 14", iban=ALFA_IBAN), items)[0]
    assert best.automatic and ids(best) == [12, 13, 14]
    assert {a[1]: a[2] for a in best.allocations} == {
        12: D("100.00"),
        13: D("50.00"),
        14: D("25.50"),
    }


def test_subset_sum_over_the_partys_open_documents_is_proposed_for_review():
    items = [item(1, "100.00"), item(2, "40.00"), item(3, "65.00"), beta(4, "140.00")]
    proposals = run(pay("140.00", "плащане", iban=ALFA_IBAN), items)
    assert ids(proposals[0]) == [1, 2]
    assert not proposals[0].automatic and "combination" in proposals[0].reason


def test_partial_payment_leaves_the_rest_open_without_a_write_off():
    items = [item(1, "300.00")]
    best = run(pay("100.00", "ф-ра 1 частично", iban=ALFA_IBAN), items)[0]
    assert best.automatic and best.allocations == (("sales", 1, D("100.00")),)
    assert best.shortfall == 0 and best.overpayment == 0 and "partial" in best.reason


def test_shortfall_within_the_tolerance_is_a_proposed_write_off():
    items = [item(1, "300.00")]
    best = run(pay("299.40", reference=items[0].reference), items, tolerance="1.00")[0]
    assert best.allocations == (("sales", 1, D("299.40")),) and best.shortfall == D("0.60")
    beyond = run(pay("298.00", reference=items[0].reference), items, tolerance="1.00")[0]
    assert beyond.shortfall == 0


def test_overpayment_becomes_the_partys_credit():
    items = [item(1, "300.00")]
    best = run(pay("350.00", reference=items[0].reference), items)[0]
    assert best.allocations == (("sales", 1, D("300.00")),) and best.overpayment == D("50.00")


def test_the_only_open_document_of_that_amount_for_a_known_payer():
    items = [item(1, "300.00"), item(2, "310.00")]
    best = run(pay("310.00", "услуги", iban=ALFA_IBAN), items)[0]
    assert best.automatic and ids(best) == [2]


def test_two_documents_of_the_same_amount_go_to_review():
    items = [item(1, "300.00"), item(2, "300.00")]
    proposals = run(pay("300.00", "услуги", iban=ALFA_IBAN), items)
    assert len(proposals) == 2 and not any(p.automatic for p in proposals)


def test_a_reference_of_another_partys_document_is_not_applied_by_itself():
    items = [item(1, "300.00"), beta(2, "300.00")]
    proposals = run(pay("300.00", reference=items[1].reference, iban=ALFA_IBAN), items)
    assert not proposals[0].automatic


def test_outgoing_payment_matches_the_supplier_invoice_by_our_end_to_end_id():
    items = [
        beta(1, "500.00", kind="purchase", reference="XF-B7-0000000001"),
        beta(2, "500.00"),
    ]
    best = run(pay("500.00", e2e="XF-B7-0000000001", direction="debit"), items)[0]
    assert best.automatic and best.allocations == (("purchase", 1, D("500.00")),)
    # Money in never pays a purchase invoice.
    assert all(
        a[0] == "sales"
        for p in run(pay("500.00", e2e="XF-B7-0000000001"), items)
        for a in p.allocations
    )


def test_other_currency_is_not_matched():
    items = [item(1, "300.00", currency="BGN")]
    assert run(pay("300.00", reference=items[0].reference), items) == []


def test_unknown_payer_and_no_document_stays_unmatched():
    items = [item(1, "300.00"), beta(2, "300.00")]
    assert run(pay("300.00", "дарение", name="ИВАН ИВАНОВ"), items) == []


def test_index_remove_takes_an_item_out():
    items = [item(1, "300.00"), item(2, "310.00")]
    index = MatchIndex.build(items)
    assert index.remove("sales", 1) == items[0]
    assert run(pay("300.00", reference=items[0].reference), items[1:]) == []
    assert (
        propose(pay("300.00", reference=items[0].reference), index, aliases={}, tolerance=D(1))
        == []
    )


def test_a_reference_of_a_settled_document_is_never_applied_to_another():
    """A client pays invoice 1 twice: the second payment must not settle invoice 2 of the same
    amount by itself, though the payer and the amount alone would make it automatic."""
    items = [item(1, "300.00"), item(2, "300.00"), item(3, "120.00")]
    index = MatchIndex.build(items)
    first = propose(
        pay("300.00", reference=items[0].reference, iban=ALFA_IBAN),
        index,
        aliases={},
        tolerance=D(1),
    )
    assert first[0].automatic and ids(first[0]) == [1]
    index.settle("sales", 1)
    again = pay("300.00", reference=items[0].reference, iban=ALFA_IBAN)
    proposals = propose(again, index, aliases={}, tolerance=D(1))
    assert proposals and ids(proposals[0]) == [2]
    assert not any(p.automatic for p in proposals)
    assert "no longer open" in proposals[0].reason and items[0].number in proposals[0].reason
    # Written in the text with spaces, or told by the caller (paid before the run): the same.
    spaced = " ".join(items[0].reference[k : k + 4] for k in range(0, 16, 4))
    assert not propose(
        pay("300.00", f"плащане {spaced}", iban=ALFA_IBAN), index, aliases={}, tolerance=D(1)
    )[0].automatic
    told = MatchIndex.build(items[1:])
    told.closed(items[0].reference, items[0].number)
    assert not propose(again, told, aliases={}, tolerance=D(1))[0].automatic
    # Without that knowledge the payer's only document of this amount would be applied.
    assert propose(again, MatchIndex.build(items[1:]), aliases={}, tolerance=D(1))[0].automatic


def test_proposals_are_sorted_and_only_the_first_can_be_automatic():
    items = [item(1, "300.00"), item(2, "300.00"), item(3, "120.00")]
    proposals = run(pay("300.00", "ф-ра 1", iban=ALFA_IBAN), items)
    assert [p.score for p in proposals] == sorted((p.score for p in proposals), reverse=True)
    assert proposals[0].automatic and proposals[0].score >= AUTOMATIC
    assert not any(p.automatic for p in proposals[1:])


# ----------------------------------------------------------------------------- rules


@pytest.mark.parametrize(
    ("incoming", "category"),
    [
        (pay("2.50", "Такса обслужване на сметка", direction="debit"), "bank_fees"),
        (pay("1.20", "Monthly account fee", direction="debit"), "bank_fees"),
        (pay("900", "ДДС 10.2026", iban="BG88BNBG96618000123456", direction="debit"), "taxes"),
        (pay("400", "осигуровки м.10", iban="BG11UBBS00000000000000", direction="debit"), "taxes"),
        (pay("1800", "Работна заплата м.11", direction="debit"), "salaries"),
        (pay("1800", "заплата", direction="credit"), None),
        (pay("50", "плащане ф-ра 12", direction="debit"), None),
    ],
)
def test_rules_name_the_category_of_lines_that_are_no_documents(incoming, category):
    assert classify(incoming, DEFAULT_RULES) == category


def test_screened_rules_answer_as_the_plain_list():
    """One joined expression rules out the text-pattern rules for most lines; the answer must
    be the plain list's for every line, and patterns that cannot be joined keep the plain path."""
    own = Rule(name="наем", category="rent", text_pattern=r"наем\s+м\.\d+", direction="debit")
    rules = [*DEFAULT_RULES, own]
    generated = generate(parties=50, items_per_party=4, payments=600, seed=3)
    lines = [case.incoming for case in generated.cases] + [
        pay("2.50", "Такса обслужване на сметка", direction="debit"),
        pay("900", "ДДС", iban="BG88BNBG96618000123456", direction="debit"),
        pay("1800", "Работна ЗАПЛАТА", direction="debit"),
        pay("300", "наем м.11", direction="debit"),
        pay("300", "плащане", name="ЛИХВИ ПО СМЕТКА", direction="credit"),
        pay("120", "POS 11.2026", direction="credit"),
    ]
    for direction, screened in rules_by_direction(rules).items():
        assert screened.screen is not None and screened.literals is not None
        plain = [r for r in rules if not r.direction or r.direction == direction]
        for incoming in lines:
            incoming = replace(incoming, direction=direction)
            assert first_rule(incoming, screened) == first_rule(incoming, plain), incoming
    ruled = [first_rule(i, rules_by_direction(rules)[i.direction]) for i in lines[-6:]]
    assert [r.category if r else None for r in ruled] == [
        "bank_fees",
        "taxes",
        "salaries",
        "rent",
        "interest",
        "cards",
    ]
    backreference = Rule(name="x", category="c", text_pattern=r"(\d)\1")
    assert ScreenedRules([*DEFAULT_RULES, backreference]).screen is None
    assert first_rule(pay("5", "код 77"), ScreenedRules([backreference])) == backreference


def test_fold_turns_every_case_blind_match_into_a_substring_match():
    """The literal screen searches folded text case-sensitively: two characters a case-blind
    expression takes for the same letter must fold alike, or a rule would be skipped. Checked
    against the expression engine's own table for every code point."""
    lower = _sre.unicode_tolower
    assert [c for c in range(0x110000) if fold(chr(c)) != fold(chr(lower(c)))] == []
    assert [
        (a, b) for a, alike in re._casefix._EXTRA_CASES.items() for b in alike
        if fold(chr(a)) != fold(chr(b))
    ] == []  # fmt: skip
    assert fold("ПЛАЩАНЕ İNTEREST ſALARY Kамион") == "плащане interest salary kамион"


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        alphabet="такснапдоиTAKСНАПДОИ fechrgsFECHRGSİıſẞßKᲀвBр0123456789 .:-№",
        max_size=40,
    )
)
def test_literal_screen_never_rules_out_a_line_a_pattern_finds(text):
    patterns = (
        *(r.text_pattern for r in DEFAULT_RULES if r.text_pattern),
        r"наем\s+м\.\d+",
        r"(?:ф-ра|фактура)\s*№?\s*\d+",
    )
    screened = ScreenedRules(Rule(name=p, category="c", text_pattern=p) for p in patterns)
    assert screened.screen is not None and screened.literals is not None
    for haystack in (text, text.upper(), text.lower(), f"такса{text}", f"{text}Interest"):
        if screened.screen.search(haystack):
            assert screened.literals.search(fold(haystack)), haystack


def test_literal_screen_needs_a_literal_in_every_alternative():
    digits = Rule(name="код", category="taxes", text_pattern=r"\d{6}|плащане")
    assert ScreenedRules([digits]).literals is None
    assert first_rule(pay("5", "код 123456"), ScreenedRules([digits])) == digits
    words = ScreenedRules([Rule(name="fee", category="fees", text_pattern=r"\bFEE\b|такс[аи]")])
    assert words.literals is not None
    assert first_rule(pay("5", "Такси по сметка"), words) is not None
    assert first_rule(pay("5", "превод"), words) is None


def test_rule_conditions_each_must_hold():
    from dataclasses import replace

    card = Rule(
        name="card acquirer",
        category="cards",
        direction="credit",
        iban_patterns=("BG??UNCR7000*",),
        name_pattern=r"борика|card",
        bank_code="PMNT-CCRD",
        min_amount=D("10"),
        max_amount=D("5000"),
    )
    fits_all = replace(
        pay("120.00", "POS 11.2026", name="БОРИКА АД", iban="BG69 UNCR 7000 0015 1234 56"),
        bank_code="PMNT-CCRD-POSD",
    )
    assert first_rule(fits_all, [card]) is card
    assert first_rule(replace(fits_all, bank_code="PMNT-RCDT-ESCT"), [card]) is None
    assert first_rule(replace(fits_all, counterparty_iban="BG18RZBB91550123456789"), [card]) is None
    assert first_rule(replace(fits_all, counterparty_name="Иван"), [card]) is None
    assert first_rule(replace(fits_all, amount=D("9.99")), [card]) is None
    assert first_rule(replace(fits_all, amount=D("5000.01")), [card]) is None
    assert first_rule(replace(fits_all, direction="debit"), [card]) is None
    # Direction and amount alone are no condition: such a rule would swallow every line.
    assert first_rule(fits_all, [Rule(name="all", category="x", direction="credit")]) is None


def test_the_budget_account_rule_comes_before_the_fee_words():
    nra = pay("900", "такса", iban="BG88BNBG96618000195001", direction="debit")
    assert classify(nra, DEFAULT_RULES) == "taxes"
    kind = pay("310", "Вид плащане: 551111 осигуровки", direction="debit")
    assert first_rule(kind, DEFAULT_RULES).code == "bg-payment-kind"


def test_own_transfer_rule_comes_first_when_given():
    rules = (own_transfer_rule(["BG18 RZBB 9155 0123 4567 89"]), *DEFAULT_RULES)
    incoming = pay("1000", "такса", iban=ALFA_IBAN, direction="debit")
    assert classify(incoming, rules) == "own_transfer"


# ----------------------------------------------------------------------------- quality


def test_quality_on_10000_generated_payments_with_known_answers():
    generated = generate(parties=2_000, items_per_party=10, payments=10_000, seed=12)
    index = MatchIndex.build(generated.items)
    quality, wrong = evaluate(generated, index, propose)
    print(quality.summary())
    assert quality.payments == 10_000
    assert quality.precision >= 0.995, wrong[:5]
    assert quality.recall >= 0.90


def test_index_add_replaces_an_item_with_its_new_open_amount():
    items = [item(1, "300.00")]
    index = MatchIndex.build(items)
    index.add(item(1, "100.00"))
    [best] = propose(pay("100.00", reference=items[0].reference), index, aliases={}, tolerance=D(0))
    assert best.allocations == (("sales", 1, D("100.00")),) and best.overpayment == 0
    assert index.by_amount.get(("sales", "EUR", D("300.00"))) is None


def test_incoming_from_a_bank_entry():
    from xfinances.banking.records import BankEntry, Counterparty, Direction

    entry = BankEntry(
        amount=D("12.30"),
        currency="EUR",
        direction=Direction.DEBIT,
        booking_date=DAY,
        end_to_end_id="XF-B7-1",
        reference="RF18539007547034",
        text="inv 1",
        counterparty=Counterparty(name="Бета", iban=BETA_IBAN),
    )
    incoming = incoming_from_entry(entry)
    assert incoming.direction == "debit" and incoming.amount == D("12.30")
    assert incoming.counterparty_iban == BETA_IBAN and incoming.end_to_end_id == "XF-B7-1"
    assert incoming.reference == "RF18539007547034" and incoming.text == "inv 1"


def test_long_run_freezes_and_releases_the_collector():
    import gc

    from xfinances.banking.matching import long_run

    with long_run():
        assert gc.get_freeze_count() > 0
        assert run(pay("120.00", "0000000001"), [item(1, "120.00")])[0].automatic
        with long_run():  # an import that matches: the inner end keeps the outer's freeze
            made = [object() for _ in range(10)]
        assert gc.get_freeze_count() > 0 and made
    assert gc.get_freeze_count() == 0
