"""Typed inputs: one declaration of the line fields, read the same from the page and the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from xfinances.core.exceptions import InvalidInput
from xfinances.invoicing import api, forms, inputs
from xfinances.invoicing.inputs import UNSET, DraftInput, LineInput


def test_the_form_and_the_api_take_the_line_fields_of_one_declaration():
    assert forms.LINE_INPUTS == inputs.LINE_FIELDS
    assert api.DocumentIn.model_fields["lines"].annotation == list[api.LineIn]
    assert issubclass(api.LineIn, LineInput)  # what the actions take, under the API's name
    schema = api.DocumentIn.model_json_schema()
    line_schema = schema["$defs"]["LineIn"]
    assert tuple(line_schema["properties"]) == inputs.LINE_FIELDS
    assert line_schema["additionalProperties"] is False


def test_a_line_is_read_as_a_person_types_it():
    line = inputs.read_lines(
        [{"description": " Услуга ", "quantity": "1,5", "unit_price": "1 250,50", "product_id": ""}]
    )[0]
    assert line == LineInput(
        description="Услуга", quantity=Decimal("1.5"), unit_price=Decimal("1250.5")
    )
    assert inputs.read_lines([{"unit_price": "300"}])[0].unit_price == Decimal("300")


def test_unreadable_line_values_are_named_by_row_and_field():
    with pytest.raises(InvalidInput) as refused:
        inputs.read_lines(
            [
                {"description": "Наем"},
                {"quantity": "три", "unit_price": "1.23456", "product_id": "x", "colour": "red"},
            ]
        )
    errors = refused.value.errors
    assert {"lines.2.quantity", "lines.2.unit_price", "lines.2.product_id", "lines.2"} == set(
        errors
    )


def test_a_header_keeps_what_was_not_given():
    changes = inputs.draft(notes="", due_date=None, lines=[{"description": "Наем"}])
    assert changes.header() == {"notes": "", "due_date": None}
    assert changes.party_id is UNSET and not changes.party_given
    assert changes.lines == (LineInput(description="Наем"),)
    assert DraftInput(issue_date=dt.date(2026, 5, 1)).header() == {
        "issue_date": dt.date(2026, 5, 1)
    }
