"""Bank rules: a company's rules for lines that pay no document (fees, taxes, interest, card
settlements …) → a treasury cash-flow category, without the review queue.

`ensure_default_rules` seeds the shipped Bulgarian rules (matching.DEFAULT_RULES) once per
company, from the CompanyCreated event (and migration 0002 for companies that existed); a
seeded rule is the company's to edit or switch off and is never re-created. `create_rule`,
`update_rule` and `set_rule_active` are the edits; `preview_rule` tests a rule, saved or not,
against the last 90 days of bank entries without changing anything. The matching glue
(reconcile.py) applies the company's active rules before it looks for documents.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from xfinances.banking import matching
from xfinances.banking.models import BankEntry, BankRule, RuleDirection
from xfinances.core import audit, readers
from xfinances.core.audit import Actor
from xfinances.core.events import CompanyCreated
from xfinances.core.exceptions import ErrorCollector, InvalidInput
from xfinances.core.models import Company
from xfinances.core.permissions import ensure_can
from xfinances.treasury import actions as treasury_actions
from xfinances.treasury.models import CashflowCategory

RULE_FIELDS = (
    "name",
    "position",
    "category",
    "direction",
    "counterparty_iban",
    "name_pattern",
    "text_pattern",
    "bank_code",
    "min_amount",
    "max_amount",
    "is_active",
)
PREVIEW_DAYS = 90
PREVIEW_EXAMPLES = 50


def ensure_default_rules(company: Company) -> int:
    """Seed the shipped rules the company has never had (idempotent); returns how many."""
    treasury_actions.ensure_default_categories(company)
    categories = dict(
        CashflowCategory.objects.filter(company=company).exclude(code="").values_list("code", "pk")
    )
    have = set(
        BankRule.objects.filter(company=company).exclude(code="").values_list("code", flat=True)
    )
    made = 0
    for position, rule in enumerate(matching.DEFAULT_RULES, start=1):
        if rule.code in have or rule.category not in categories:
            continue
        BankRule.objects.create(
            company=company,
            position=position * 10,
            **_default_fields(rule),
            category_id=categories[rule.category],
        )
        made += 1
    return made


def _default_fields(rule: matching.Rule) -> dict[str, Any]:
    return {
        "name": rule.name,
        "direction": rule.direction,
        "counterparty_iban": ", ".join(rule.iban_patterns),
        "name_pattern": rule.name_pattern,
        "text_pattern": rule.text_pattern,
        "bank_code": rule.bank_code,
        "min_amount": rule.min_amount,
        "max_amount": rule.max_amount,
        "code": rule.code,
    }


def on_company_created(event: CompanyCreated) -> None:
    """A new company starts with the shipped rules (same transaction as its creation)."""
    ensure_default_rules(event.company)


def engine_rule(row: BankRule) -> matching.Rule:
    """The pure engine's Rule of a stored one (`category` is the category's id)."""
    patterns = matching.split_ibans(row.counterparty_iban)
    exact = frozenset(p for p in patterns if "*" not in p and "?" not in p)
    return matching.Rule(
        name=row.name,
        category=str(row.category_id),
        text_pattern=row.text_pattern,
        direction=row.direction,
        counterparty_ibans=exact,
        iban_patterns=tuple(p for p in patterns if p not in exact),
        name_pattern=row.name_pattern,
        bank_code=row.bank_code,
        min_amount=row.min_amount,
        max_amount=row.max_amount,
        code=row.code,
        key=row.pk,
    )


def company_rules(company: Company) -> list[matching.Rule]:
    """The company's active rules in their order, as the engine takes them."""
    rows = BankRule.objects.filter(company=company, is_active=True).order_by("position", "id")
    return [engine_rule(row) for row in rows]


def _clean_pattern(value: object, errors: ErrorCollector, name: str) -> str:
    text = str(value or "").strip()
    if text:
        try:
            re.compile(text)
        except re.error as error:
            errors.add(
                name,
                _("This pattern is not a valid regular expression: %(error)s") % {"error": error},
            )
    return text


def _clean_amount(value: object, errors: ErrorCollector, name: str) -> Decimal | None:
    return readers.field(errors, name, readers.amount, value, required=False)


def _clean_category(company: Company, value: object, errors: ErrorCollector) -> Any:
    if isinstance(value, CashflowCategory):
        value = value.pk
    found = None
    if str(value or "").isdigit():
        found = CashflowCategory.objects.filter(
            company=company, pk=int(str(value)), is_active=True
        ).first()
    if found is None:
        errors.add("category", _("Choose a cash-flow category."))
    return found


def _clean_text_fields(data: dict[str, Any], errors: ErrorCollector) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    if "name" in data:
        clean["name"] = str(data["name"] or "").strip()[:120]
        if not clean["name"]:
            errors.add("name", _("Enter the rule's name."))
    if "direction" in data:
        clean["direction"] = str(data["direction"] or "")
        if clean["direction"] not in RuleDirection.values:
            errors.add("direction", _("Choose money in, money out or either."))
    if "counterparty_iban" in data:
        ibans = matching.split_ibans(str(data["counterparty_iban"] or ""))
        if any(not re.fullmatch(r"[A-Z0-9?*]{2,34}", i) for i in ibans):
            errors.add("counterparty_iban", _("Enter IBANs separated by commas (? and * allowed)."))
        clean["counterparty_iban"] = ", ".join(ibans)[:300]
    for name in ("name_pattern", "text_pattern"):
        if name in data:
            clean[name] = _clean_pattern(data[name], errors, name)
    if "bank_code" in data:
        clean["bank_code"] = str(data["bank_code"] or "").strip().upper()[:40]
    if "position" in data:
        try:
            clean["position"] = max(0, int(str(data["position"])))
        except ValueError:
            errors.add("position", _("Enter a whole number."))
    if "is_active" in data:
        clean["is_active"] = bool(data["is_active"])
    return clean


def clean_rule(company: Company, data: dict[str, Any], rule: BankRule | None) -> dict[str, Any]:
    """The rule's fields checked; raises InvalidInput naming every wrong field."""
    unknown = set(data) - set(RULE_FIELDS)
    if unknown:
        raise InvalidInput({k: [_("Unknown field.")] for k in sorted(unknown)})
    errors = InvalidInput.collect()
    clean = _clean_text_fields(data, errors)
    if "category" in data or rule is None:
        clean["category"] = _clean_category(company, data.get("category"), errors)
    for name in ("min_amount", "max_amount"):
        if name in data:
            clean[name] = _clean_amount(data[name], errors, name)
    low = clean.get("min_amount", rule.min_amount if rule else None)
    high = clean.get("max_amount", rule.max_amount if rule else None)
    if low is not None and high is not None and low > high:
        errors.add("max_amount", _("The upper amount is below the lower one."))
    merged = {f: clean.get(f, getattr(rule, f, "")) for f in _CONDITIONS}
    if not any(merged.values()):
        errors.add(
            "text_pattern",
            _("Give at least one condition: IBAN, name, payment details or bank code."),
        )
    if rule is None and "name" not in data:
        errors.add("name", _("Enter the rule's name."))
    errors.raise_if_any()
    return clean


_CONDITIONS = ("counterparty_iban", "name_pattern", "text_pattern", "bank_code")


@transaction.atomic
def create_rule(actor: Actor, company: Company, **data: Any) -> BankRule:
    ensure_can(actor, company, "treasury.change")
    clean = clean_rule(company, data, None)
    if "position" not in clean:
        last = BankRule.objects.filter(company=company).aggregate(top=Max("position"))["top"]
        clean["position"] = (last or 0) + 10
    rule = BankRule.objects.create(company=company, **clean)
    audit.record_create(actor, company, "create_bank_rule", rule)
    return rule


@transaction.atomic
def update_rule(actor: Actor, rule: BankRule, **data: Any) -> BankRule:
    company = rule.company
    ensure_can(actor, company, "treasury.change")
    rule = BankRule.objects.select_for_update().get(pk=rule.pk, company=company)
    clean = clean_rule(company, data, rule)
    before = audit.snapshot(rule)
    for key, value in clean.items():
        setattr(rule, key, value)
    rule.save()
    audit.record_update(actor, company, "update_bank_rule", rule, before)
    return rule


def set_rule_active(actor: Actor, rule: BankRule, active: bool) -> BankRule:
    """Switch a rule off (kept, with its history) or on again."""
    return update_rule(actor, rule, is_active=active)


@dataclass
class RulePreview:
    """What a rule would have caught in the last PREVIEW_DAYS days."""

    since: dt.date
    checked: int = 0
    caught: int = 0
    total_in: Decimal = Decimal(0)
    total_out: Decimal = Decimal(0)
    examples: list[BankEntry] = field(default_factory=list)
    earlier_rule: int = 0  # caught, but an earlier rule takes them first


def incoming_of_entry(entry: BankEntry) -> matching.Incoming:
    return matching.Incoming(
        amount=abs(entry.amount),
        currency=entry.currency,
        direction="credit" if entry.amount > 0 else "debit",
        booking_date=entry.booking_date,
        reference=entry.reference,
        end_to_end_id=entry.end_to_end_id,
        text=entry.text,
        counterparty_name=entry.counterparty_name,
        counterparty_iban=entry.counterparty_iban,
        bank_code=str((entry.raw or {}).get("bank_code") or ""),
    )


def preview_rule(
    actor: Actor, company: Company, data: dict[str, Any], *, rule: BankRule | None = None
) -> RulePreview:
    """Test a rule (the saved `rule` with `data` over it, or a new one) against the company's
    bank entries of the last 90 days. Writes nothing; refuses a wrong rule as saving would."""
    ensure_can(actor, company, "treasury.view")
    clean = clean_rule(company, {**data, "name": data.get("name") or "preview"}, rule)
    row = BankRule(company=company)
    if rule is not None:
        row = BankRule(
            **{f.attname: getattr(rule, f.attname) for f in BankRule._meta.concrete_fields}
        )
    for key, value in clean.items():
        setattr(row, key, value)
    tested = engine_rule(row)
    place = (row.position, row.pk or 1 << 62)
    earlier = [
        engine_rule(other)
        for other in BankRule.objects.filter(company=company, is_active=True)
        if other.pk != row.pk and (other.position, other.pk) < place
    ]
    since = timezone.localdate() - dt.timedelta(days=PREVIEW_DAYS)
    result = RulePreview(since=since)
    entries = BankEntry.objects.filter(company=company, booking_date__gte=since, reversal=False)
    for entry in entries.order_by("-booking_date", "-id").iterator(chunk_size=2000):
        result.checked += 1
        incoming = incoming_of_entry(entry)
        if not matching.fits(tested, incoming):
            continue
        result.caught += 1
        if entry.amount > 0:
            result.total_in += entry.amount
        else:
            result.total_out -= entry.amount
        if matching.first_rule(incoming, earlier) is not None:
            result.earlier_rule += 1
        if len(result.examples) < PREVIEW_EXAMPLES:
            result.examples.append(entry)
    return result
