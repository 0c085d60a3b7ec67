"""Bank rules: seeded defaults, applied on import (no review), edited, previewed."""

from __future__ import annotations

import datetime as dt
import importlib
import io
from decimal import Decimal
from typing import Any

import pytest
from django.apps import apps as django_apps
from django.urls import reverse
from django.utils import timezone

from xfinances.banking import actions
from xfinances.banking.inputs import BankRuleInput
from xfinances.banking.models import BankEntry, BankRule, MatchState
from xfinances.banking.sample_files import Row, camt053
from xfinances.banking.tests.factories import SYSTEM, bank_account
from xfinances.core.exceptions import InvalidInput
from xfinances.treasury.models import CashflowCategory, Movement

NRA_IBAN = "BG88BNBG96618000195001"
CLIENT_IBAN = "BG18RZBB91550123456789"


def category(company: Any, code: str) -> CashflowCategory:
    return CashflowCategory.objects.get(company=company, code=code)


def import_rows(company: Any, rows: list[Row], *, iban: str | None = None) -> Any:
    account_iban = iban or bank_account(company).iban
    out = io.BytesIO()
    day = min(r.day for r in rows)
    camt053(
        out,
        iban=account_iban,
        rows=rows,
        opening=Decimal("1000"),
        date_from=day,
        date_to=max(r.day for r in rows),
    )
    out.seek(0)
    return actions.import_statement(SYSTEM, company, out, file_name="s.xml")


def test_a_new_company_has_the_shipped_rules_and_their_categories(company: Any) -> None:
    codes = set(BankRule.objects.filter(company=company).values_list("code", flat=True))
    assert {"bg-budget-accounts", "bg-payment-kind", "bg-taxes", "bg-bank-fees"} <= codes
    fees = BankRule.objects.get(company=company, code="bg-bank-fees")
    assert fees.category == category(company, "bank_fees")
    assert actions.ensure_default_rules(company) == 0  # seeded once


def test_the_migration_seeds_companies_that_existed_before(company: Any) -> None:
    BankRule.objects.filter(company=company).delete()
    CashflowCategory.objects.filter(company=company, code="interest").delete()
    migration = importlib.import_module("xfinances.banking.migrations.0003_rules_profiles")
    migration.seed_rules(django_apps, None)
    assert BankRule.objects.get(company=company, code="bg-interest").category.code == "interest"
    migration.seed_rules(django_apps, None)  # a second run adds nothing
    assert BankRule.objects.filter(company=company, code="bg-interest").count() == 1


def test_fees_and_taxes_get_their_category_on_import_without_review(company: Any) -> None:
    day = timezone.localdate()
    summary = import_rows(
        company,
        [
            Row(day, Decimal("-2.50"), "", "", "Такса обслужване на сметка"),
            Row(day, Decimal("-900"), "НАП", NRA_IBAN, "ДДС 10.2026"),
            Row(
                day,
                Decimal("-310"),
                "ТД на НАП",
                "BG11UBBS80020012345678",
                "вид плащане 551111 осигуровки",
            ),
            Row(day, Decimal("125.00"), "Клиент ООД", CLIENT_IBAN, "плащане"),
        ],
    )
    entries = {e.text: e for e in BankEntry.objects.filter(company=company)}
    fee = entries["Такса обслужване на сметка"]
    tax = entries["ДДС 10.2026"]
    kind = entries["вид плащане 551111 осигуровки"]
    client = entries["плащане"]
    assert fee.match_state == tax.match_state == kind.match_state == MatchState.NONE
    assert fee.rule is not None and fee.rule.code == "bg-bank-fees"
    assert tax.rule is not None and tax.rule.code == "bg-budget-accounts"
    assert kind.rule is not None and kind.rule.code == "bg-payment-kind"
    assert Movement.objects.get(pk=fee.movement_id).category == category(company, "bank_fees")
    assert Movement.objects.get(pk=tax.movement_id).category == category(company, "taxes")
    assert client.rule is None and client.match_state != MatchState.NONE
    assert Movement.objects.get(pk=client.movement_id).category is None
    assert summary.review == 0 and summary.matched == 0


def test_a_company_rule_with_name_and_amount_range_and_switching_it_off(company: Any) -> None:
    rent = CashflowCategory.objects.get(company=company, code="rent")
    data = {
        "name": "Наем офис",
        "category": rent.pk,
        "direction": "debit",
        "name_pattern": r"имоти",
        "min_amount": "500",
        "max_amount": "1 500,00",
        "position": 1,
    }
    rule = actions.create_rule(SYSTEM, company, BankRuleInput.read(data))
    assert rule.max_amount == Decimal("1500.00")
    day = timezone.localdate()
    import_rows(
        company,
        [
            Row(day, Decimal("-1200"), "Имоти АД", "", "наем м.11"),
            Row(day, Decimal("-1800"), "Имоти АД", "", "наем м.12"),
        ],
    )
    inside = BankEntry.objects.get(company=company, amount=Decimal("-1200"))
    above = BankEntry.objects.get(company=company, amount=Decimal("-1800"))
    assert inside.rule == rule and Movement.objects.get(pk=inside.movement_id).category == rent
    assert above.rule is None
    actions.set_rule_active(SYSTEM, rule, False)
    import_rows(company, [Row(day, Decimal("-1100"), "Имоти АД", "", "наем м.1")])
    assert BankEntry.objects.get(company=company, amount=Decimal("-1100")).rule is None


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"text_pattern": "такс[а"}, "text_pattern"),
        ({"text_pattern": ""}, "text_pattern"),  # no condition would swallow every line
        ({"text_pattern": "x", "min_amount": "10", "max_amount": "5"}, "max_amount"),
        ({"text_pattern": "x", "max_amount": "много"}, "max_amount"),
        ({"text_pattern": "x", "counterparty_iban": "BG11 не е IBAN"}, "counterparty_iban"),
        ({"text_pattern": "x", "direction": "sideways"}, "direction"),
        ({"text_pattern": "x", "category": 0}, "category"),
    ],
)
def test_a_wrong_rule_is_refused_and_nothing_saved(company: Any, data: dict, field: str) -> None:
    before = BankRule.objects.filter(company=company).count()
    payload = {"name": "R", "category": category(company, "other").pk, **data}
    with pytest.raises(InvalidInput) as caught:
        actions.create_rule(SYSTEM, company, BankRuleInput.read(payload))
    assert field in caught.value.errors
    assert BankRule.objects.filter(company=company).count() == before


def test_preview_covers_90_days_and_writes_nothing(company: Any) -> None:
    today = timezone.localdate()
    old = today - dt.timedelta(days=120)
    account = bank_account(company)
    import_rows(company, [Row(old, Decimal("-3"), "", "", "Месечна такса")], iban=account.iban)
    import_rows(
        company,
        [
            Row(today, Decimal("-4"), "", "", "Месечна такса"),
            Row(today, Decimal("-5"), "Банка", "", "комисион превод"),
        ],
        iban=account.iban,
    )
    states = list(BankEntry.objects.values_list("pk", "match_state", "rule_id"))
    found = actions.preview_rule(
        SYSTEM,
        company,
        BankRuleInput.read_changes(
            {"text_pattern": "месечна такса", "category": category(company, "other").pk}
        ),
    )
    assert found.caught == 1 and found.checked == 2
    assert found.total_out == Decimal("4") and found.examples[0].amount == Decimal("-4")
    assert found.earlier_rule == 1  # the shipped fee rule takes it first
    assert list(BankEntry.objects.values_list("pk", "match_state", "rule_id")) == states
    with pytest.raises(InvalidInput):
        changes = BankRuleInput.read_changes({"text_pattern": "(", "category": 1})
        actions.preview_rule(SYSTEM, company, changes)


def test_rules_api(company: Any, api_as: Any) -> None:
    api = api_as(company)
    listed = api.get("/banking/rules").json()
    assert [r["code"] for r in listed][:2] == ["bg-budget-accounts", "bg-payment-kind"]
    made = api.post(
        "/banking/rules",
        {"name": "Лизинг", "category": category(company, "loans").pk, "text_pattern": "лизинг"},
    )
    assert made.status_code == 201, made.content
    rule_id = made.json()["id"]
    off = api.patch(f"/banking/rules/{rule_id}", {"is_active": False})
    assert off.status_code == 200 and off.json()["is_active"] is False
    bad = api.post("/banking/rules", {"name": "x", "category": 1, "text_pattern": "("})
    assert bad.status_code == 422 and "text_pattern" in bad.json()["errors"]
    preview = api.post("/banking/rule-preview", {"rule_id": rule_id})
    assert preview.status_code == 200 and preview.json()["caught"] == 0
    viewer = api_as(company, role="viewer")
    assert viewer.post("/banking/rules", {"name": "x"}).status_code == 403


def test_rules_pages_save_test_and_switch_off(company: Any, client_as: Any) -> None:
    import_rows(company, [Row(timezone.localdate(), Decimal("-7"), "", "", "Лизинг 11")])
    client = client_as(company, "owner")
    eik = company.eik
    listed = client.get(reverse("banking:rules", args=[eik]))
    assert "Банкови такси".encode() in listed.content
    form = {
        "name": "Лизинг",
        "category": category(company, "loans").pk,
        "direction": "debit",
        "text_pattern": "лизинг",
        "is_active": "on",
    }
    tested = client.post(reverse("banking:rule_new", args=[eik]), {**form, "preview": "1"})
    assert tested.status_code == 200 and b'id="rule-preview"' in tested.content
    assert not BankRule.objects.filter(company=company, name="Лизинг").exists()
    client.post(reverse("banking:rule_new", args=[eik]), {**form, "save": "1"})
    rule = BankRule.objects.get(company=company, name="Лизинг")
    client.post(reverse("banking:rule_toggle", args=[eik, rule.pk]))
    rule.refresh_from_db()
    assert rule.is_active is False
    broken = client.post(
        reverse("banking:rule_edit", args=[eik, rule.pk]),
        {**form, "text_pattern": "(", "save": "1"},
    )
    assert broken.status_code == 200 and "регулярен израз".encode() in broken.content
    rule.refresh_from_db()
    assert rule.text_pattern == "лизинг"
