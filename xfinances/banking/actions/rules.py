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
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from xfinances.banking import matching
from xfinances.banking.inputs import CONDITIONS, BankRuleInput, check_rule
from xfinances.banking.models import BankEntry, BankRule
from xfinances.core import audit
from xfinances.core.audit import Actor
from xfinances.core.events import CompanyCreated
from xfinances.core.exceptions import ActionError, ErrorCollector, InvalidInput
from xfinances.core.inputs import Changes
from xfinances.core.models import Company
from xfinances.core.permissions import ensure_can
from xfinances.treasury import actions as treasury_actions
from xfinances.treasury.models import CashflowCategory, Movement

RULE_FIELDS = BankRuleInput.field_names()
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


def category_of(company: Company, value: object, errors: ErrorCollector) -> Any:
    """One of the company's active cash-flow categories (an id or the record), or an error."""
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


def _checked(
    company: Company, given: dict[str, Any], rule: BankRule | None, *, named: bool = True
) -> dict[str, Any]:
    """The given fields ready to store: the category found among the company's, the rules
    between fields checked on the rule with its changes; InvalidInput names every wrong field."""
    errors = InvalidInput.collect()
    clean = dict(given)
    if "category" in given or rule is None:
        clean["category"] = category_of(company, given.get("category"), errors)
    merged = {name: getattr(rule, name) for name in RULE_FIELDS if rule is not None}
    check_rule({**dict.fromkeys(CONDITIONS, ""), **merged, **given}, errors)
    if named and ("name" in given or rule is None) and not given.get("name"):
        errors.add("name", _("Enter the rule's name."))
    errors.raise_if_any()
    if clean.get("position", 0) is None:
        del clean["position"]  # None: after the last rule (a new one), or where it is
    return clean


@transaction.atomic
def create_rule(actor: Actor, company: Company, data: BankRuleInput) -> BankRule:
    ensure_can(actor, company, "treasury.change")
    clean = _checked(company, {name: getattr(data, name) for name in RULE_FIELDS}, None)
    if "position" not in clean:
        last = BankRule.objects.filter(company=company).aggregate(top=Max("position"))["top"]
        clean["position"] = (last or 0) + 10
    rule = BankRule.objects.create(company=company, **clean)
    audit.record_create(actor, company, "create_bank_rule", rule)
    return rule


@transaction.atomic
def update_rule(actor: Actor, rule: BankRule, changes: Changes[BankRuleInput]) -> BankRule:
    company = rule.company
    ensure_can(actor, company, "treasury.change")
    rule = BankRule.objects.select_for_update().get(pk=rule.pk, company=company)
    clean = _checked(company, dict(changes.items()), rule)
    before = audit.snapshot(rule)
    for key, value in clean.items():
        setattr(rule, key, value)
    rule.save()
    audit.record_update(actor, company, "update_bank_rule", rule, before)
    return rule


def set_rule_active(actor: Actor, rule: BankRule, active: bool) -> BankRule:
    """Switch a rule off (kept, with its history) or on again."""
    return update_rule(actor, rule, BankRuleInput.changes(is_active=active))


def file_movement(actor: Actor, movement: Movement | None, category_id: int) -> None:
    """Give a bank line's movement a cash-flow category, unless a person already gave it one.
    A movement of a closed period keeps what it has (its category is set by hand or not at
    all); the caller still takes the line out of matching."""
    if movement is None or movement.category_id is not None:
        return
    try:
        with transaction.atomic():
            treasury_actions.update_movement(
                actor, movement, treasury_actions.MovementEditInput.changes(category=category_id)
            )
    except ActionError:
        pass


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
    actor: Actor,
    company: Company,
    changes: Changes[BankRuleInput],
    *,
    rule: BankRule | None = None,
) -> RulePreview:
    """Test a rule (the saved `rule` with `changes` over it, or a new one) against the
    company's bank entries of the last 90 days. Writes nothing; refuses a wrong rule as saving
    would, except that a rule being tried needs no name yet."""
    ensure_can(actor, company, "treasury.view")
    clean = _checked(company, dict(changes.items()), rule, named=False)
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
