"""Typed action inputs (core/inputs.py) and the API schemas derived from them."""

from __future__ import annotations

import datetime as dt
from dataclasses import FrozenInstanceError, dataclass
from decimal import Decimal

import pytest
from django.utils import translation
from pydantic import ValidationError

from xfinances.core import inputs
from xfinances.core.exceptions import InvalidInput
from xfinances.core.inputs import ActionInput, reads
from xfinances.core.schemas import InputSchema


@dataclass(frozen=True, kw_only=True)
class SampleInput(ActionInput):
    name: str = reads(inputs.text(max_length=20, required=True), default="")
    amount: Decimal = reads(inputs.amount(positive=True), default=Decimal(0))
    day: dt.date | None = reads(inputs.optional(inputs.date), default=None)
    count: int = reads(inputs.integer(1, 9), default=1)
    active: bool = reads(inputs.flag, default=True)


class SampleIn(InputSchema, action_input=SampleInput):
    pass


class SamplePatch(InputSchema, action_input=SampleInput, partial=True):
    pass


@pytest.fixture(autouse=True)
def english() -> object:
    with translation.override("en"):
        yield


def test_read_types_every_field() -> None:
    read = SampleInput.read(
        {"name": " Рент ", "amount": "1 250,50", "day": "04.12.2026", "count": "3", "active": "0"}
    )
    assert read == SampleInput(
        name="Рент", amount=Decimal("1250.50"), day=dt.date(2026, 12, 4), count=3, active=False
    )
    with pytest.raises(FrozenInstanceError):
        setattr(read, "name", "x")


def test_read_reports_every_field_at_once_and_a_missing_required_one() -> None:
    with pytest.raises(InvalidInput) as raised:
        SampleInput.read({"amount": "0", "day": "31.02.2026", "count": "10"})
    assert raised.value.errors == {
        "name": ["This field is required."],
        "amount": ["Enter an amount greater than zero."],
        "day": ["Enter a date as dd.mm.yyyy or YYYY-MM-DD."],
        "count": ["Enter a whole number between 1 and 9."],
    }


def test_changes_read_only_the_fields_given() -> None:
    changes = SampleInput.read_changes({"count": "2"})  # the missing name is no error here
    assert list(changes.items()) == [("count", 2)]
    assert "count" in changes and "name" not in changes
    assert SampleInput.changes(active=False).given == frozenset({"active"})


def test_an_unknown_field_is_a_callers_mistake() -> None:
    with pytest.raises(TypeError, match="unknown SampleInput fields"):
        SampleInput.read({"nmae": "x"})


def test_the_api_schemas_take_the_inputs_field_list() -> None:
    assert tuple(SampleIn.model_fields) == SampleInput.field_names()
    assert SampleIn.model_fields["count"].default == 1
    assert tuple(SamplePatch.model_fields) == SampleInput.field_names()
    assert SamplePatch().model_dump(exclude_unset=True) == {}
    # Amounts travel as strings or numbers; unknown fields are still refused.
    assert SampleIn(name="x", amount="12,50").model_dump()["amount"] == "12,50"
    with pytest.raises(ValidationError):
        SampleIn(name="x", colour="red")
