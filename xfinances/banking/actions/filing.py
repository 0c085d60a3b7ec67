"""Filing a bank line that pays no document under a cash-flow category, from the review queue,
and learning a rule from it.

`file_entry` gives the entry's movement the chosen category and takes the entry out of the
queue. With `remember` it also saves a bank rule for the line's counterparty (its IBAN, else its
name, else the payment details) in that direction, so the next such line is filed as it is
imported, and files the other lines waiting in the queue that the new rule fits: the queue keeps
only what truly needs a person. A person's category on a movement is never replaced.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from xfinances.banking import matching
from xfinances.banking.actions.rules import (
    category_of,
    engine_rule,
    file_movement,
    incoming_of_entry,
)
from xfinances.banking.models import (
    BankEntry,
    BankRule,
    MatchProposal,
    MatchState,
    ProposalState,
    RuleDirection,
)
from xfinances.core import audit, inputs
from xfinances.core.audit import Actor
from xfinances.core.exceptions import InvalidInput
from xfinances.core.inputs import ActionInput, reads
from xfinances.core.permissions import ensure_can
from xfinances.core.text_limits import limit_of
from xfinances.treasury.models import CashflowCategory

WAITING = (MatchState.REVIEW, MatchState.UNMATCHED)


@dataclass(frozen=True, kw_only=True)
class FileEntryInput(ActionInput):
    """The category (one of the company's active ones, an id or the record) and whether to
    remember it for the line's counterparty."""

    category: Any = reads(inputs.as_is, default=None)
    remember: bool = reads(inputs.flag, default=False)


@dataclass
class Filed:
    entry: BankEntry
    rule: BankRule | None = None
    also_filed: int = 0  # other waiting lines the learned rule fits


def _take_out(
    actor: Actor, entry: BankEntry, category: CashflowCategory, rule: BankRule | None
) -> None:
    before = audit.snapshot(entry)
    file_movement(actor, entry.movement, category.pk)
    MatchProposal.objects.filter(entry=entry, state=ProposalState.OPEN).update(
        state=ProposalState.DISMISSED, decided_by=actor.user, decided_at=timezone.now()
    )
    entry.match_state = MatchState.NONE
    entry.rule = rule
    entry.save(update_fields=["match_state", "rule"])
    audit.record_update(actor, entry.company, "file_entry", entry, before)


def _escaped(text: str, limit: int) -> str:
    """`text` as a pattern that matches it literally, shortened (never inside an escape)."""
    while len(re.escape(text)) > limit:
        text = text[:-1]
    return re.escape(text)


def _learned(entry: BankEntry, category: CashflowCategory) -> dict[str, Any]:
    """The rule's conditions for lines like this one: its direction and its counterparty."""
    fields: dict[str, Any] = {
        "direction": RuleDirection.CREDIT if entry.amount > 0 else RuleDirection.DEBIT,
        "counterparty_iban": "",
        "name_pattern": "",
        "text_pattern": "",
    }
    who = ""
    if entry.counterparty_iban:
        fields["counterparty_iban"] = entry.counterparty_iban
        who = entry.counterparty_name or entry.counterparty_iban
    elif entry.counterparty_name.strip():
        who = " ".join(entry.counterparty_name.split())
        fields["name_pattern"] = _escaped(who, limit_of(BankRule, "name_pattern"))
    elif entry.text.strip():
        words = " ".join(entry.text.split()[:6])
        fields["text_pattern"] = _escaped(words, limit_of(BankRule, "text_pattern"))
        who = words
    else:
        raise InvalidInput(
            {"remember": [_("This line names no counterparty and has no text to learn from.")]}
        )
    name = f"{category.name}: {who}"
    fields["name"] = name[: limit_of(BankRule, "name")]
    return fields


def _learn(actor: Actor, entry: BankEntry, category: CashflowCategory) -> BankRule:
    company = entry.company
    ensure_can(actor, company, "treasury.change")
    fields = _learned(entry, category)
    same = BankRule.objects.filter(
        company=company,
        category=category,
        direction=fields["direction"],
        counterparty_iban=fields["counterparty_iban"],
        name_pattern=fields["name_pattern"],
        text_pattern=fields["text_pattern"],
    ).first()
    if same is not None:
        if not same.is_active:
            before = audit.snapshot(same)
            same.is_active = True
            same.save(update_fields=["is_active", "updated_at"])
            audit.record_update(actor, company, "learn_bank_rule", same, before)
        return same
    last = BankRule.objects.filter(company=company).aggregate(top=Max("position"))["top"]
    rule = BankRule.objects.create(
        company=company, category=category, position=(last or 0) + 10, **fields
    )
    audit.record_create(actor, company, "learn_bank_rule", rule)
    return rule


@transaction.atomic
def file_entry(actor: Actor, entry: BankEntry, data: FileEntryInput) -> Filed:
    """File a waiting line under a category (and, with `remember`, learn a rule and file the
    other waiting lines it fits)."""
    company = entry.company
    ensure_can(actor, company, "payments.change")
    entry = (
        BankEntry.objects.select_for_update(of=("self",))
        .select_related("movement", "company")
        .get(pk=entry.pk, company=company)
    )
    if entry.match_state not in WAITING:
        raise InvalidInput({"entry": [_("This entry is already matched.")]})
    errors = InvalidInput.collect()
    category = category_of(company, data.category, errors)
    errors.raise_if_any()
    rule = _learn(actor, entry, category) if data.remember else None
    _take_out(actor, entry, category, rule)
    result = Filed(entry=entry, rule=rule)
    if rule is not None:
        tested = engine_rule(rule)
        others = (
            BankEntry.objects.select_for_update(of=("self",))
            .select_related("movement", "company")
            .filter(company=company, match_state__in=WAITING)
            .exclude(pk=entry.pk)
            .order_by("pk")
        )
        for other in others:
            if matching.fits(tested, incoming_of_entry(other)):
                _take_out(actor, other, category, rule)
                result.also_filed += 1
    return result
