"""Typed inputs of the banking actions (core/inputs.py): the one list of a bank rule's fields."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from xfinances.banking import matching
from xfinances.banking.models import BankRule, RuleDirection
from xfinances.core import inputs, readers
from xfinances.core.exceptions import ErrorCollector
from xfinances.core.inputs import ActionInput, reads
from xfinances.core.text_limits import limit_of

#: The conditions of a rule: at least one must be set.
CONDITIONS = ("counterparty_iban", "name_pattern", "text_pattern", "bank_code")


def _position(value: object) -> int | None:
    """The rule's place in the order (below zero is zero), or None: after the last rule."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        if isinstance(value, bool | float):
            raise ValueError
        return max(0, value if isinstance(value, int) else int(str(value).strip()))
    except ValueError:
        raise readers.ReadError(_("Enter a whole number.")) from None


def _ibans(value: object) -> str:
    ibans = matching.split_ibans(readers.text(value, max_length=2000, multiline=True))
    if any(not re.fullmatch(r"[A-Z0-9?*]{2,34}", iban) for iban in ibans):
        raise readers.ReadError(_("Enter IBANs separated by commas (? and * allowed)."))
    joined = ", ".join(ibans)
    return readers.text(joined, max_length=limit_of(BankRule, "counterparty_iban"))


def _pattern(name: str) -> inputs.Reader:
    def read(value: object) -> str:
        text = readers.text(value, max_length=limit_of(BankRule, name))
        if text:
            try:
                re.compile(text)
            except re.error as error:
                raise readers.ReadError(
                    _("This pattern is not a valid regular expression: %(error)s")
                    % {"error": error}
                ) from None
        return text

    return read


def _bank_code(value: object) -> str:
    return readers.text(value, max_length=limit_of(BankRule, "bank_code")).upper()


def _amount(value: object) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return readers.amount(value)


@dataclass(frozen=True, kw_only=True)
class BankRuleInput(ActionInput):
    """A bank rule: when every condition it sets holds, the entry's movement gets `category`
    (a CashflowCategory or its id; the action finds it among the company's active ones)."""

    #: Required when the rule is saved (the action says so); a rule being tried needs none.
    name: str = reads(inputs.text(max_length=limit_of(BankRule, "name")), default="")
    position: int | None = reads(_position, default=None)
    category: object = reads(inputs.as_is, default=None)
    direction: str = reads(
        inputs.choice(RuleDirection.values, _("Choose money in, money out or either.")),
        default=RuleDirection.ANY,
    )
    counterparty_iban: str = reads(_ibans, default="")
    name_pattern: str = reads(_pattern("name_pattern"), default="")
    text_pattern: str = reads(_pattern("text_pattern"), default="")
    bank_code: str = reads(_bank_code, default="")
    min_amount: Decimal | None = reads(_amount, default=None)
    max_amount: Decimal | None = reads(_amount, default=None)
    is_active: bool = reads(inputs.flag, default=True)

    @classmethod
    def check_together(cls, values: Mapping[str, Any], errors: ErrorCollector) -> None:
        check_rule(values, errors)


def check_rule(values: Mapping[str, Any], errors: ErrorCollector) -> None:
    """The rules between a rule's fields; an update checks the stored rule with its changes."""
    low, high = values.get("min_amount"), values.get("max_amount")
    if low is not None and high is not None and low > high:
        errors.add("max_amount", _("The upper amount is below the lower one."))
    if all(name in values for name in CONDITIONS) and not any(values[n] for n in CONDITIONS):
        errors.add(
            "text_pattern",
            _("Give at least one condition: IBAN, name, payment details or bank code."),
        )
