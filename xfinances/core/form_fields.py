"""Form fields for figures a person types, read by `core/readers.py`.

Browsers' `type=number` inputs follow the browser's locale, not the page's: in a Bulgarian form
`1250,50` could arrive as 125050 or as nothing. These fields are text inputs with
`inputmode=decimal` (the phone shows a number pad) and read what was typed with the same readers
as the API and the CLI: `1250,50`, `1250.50`, `1 250,50` and `1,250.50` all mean 1250.50.
Initial values are shown in the active language without grouping (`1250,5` → `1250,50`).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django import forms

from xfinances.core import formatting, readers


class DecimalTextInput(forms.TextInput):
    """A text input for a decimal figure; a Decimal value is shown in the active language."""

    def __init__(self, min_places: int = 0, max_places: int = 2, attrs: Any = None) -> None:
        self.min_places, self.max_places = min_places, max_places
        super().__init__({"inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, Decimal | int) and not isinstance(value, bool):
            return formatting.number(
                value, min_places=self.min_places, max_places=self.max_places, grouping=False
            )
        return super().format_value(value)


class ReadDecimalField(forms.Field):
    """A decimal read by one of the readers (`readers.amount`, `percent`, `quantity`)."""

    def __init__(
        self,
        *,
        reader: Callable[..., Decimal] = readers.amount,
        min_places: int = 2,
        max_places: int = 2,
        reader_options: dict[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        self.reader = reader
        self.reader_options = reader_options or {}
        kwargs.setdefault("widget", DecimalTextInput(min_places, max_places))
        super().__init__(**kwargs)

    def to_python(self, value: Any) -> Decimal | None:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        try:
            return self.reader(value, **self.reader_options)
        except readers.ReadError as error:
            raise forms.ValidationError(str(error.message)) from None


def AmountField(**kwargs: Any) -> ReadDecimalField:
    """Money: at most two places, not negative unless `allow_negative`."""
    options = {"allow_negative": kwargs.pop("allow_negative", False)}
    return ReadDecimalField(reader=readers.amount, reader_options=options, **kwargs)


def PercentField(**kwargs: Any) -> ReadDecimalField:
    """A percentage from 0 to 100 with at most two places (`20`, `12,5`)."""
    return ReadDecimalField(reader=readers.percent, min_places=0, max_places=2, **kwargs)


def ExchangeRateField(**kwargs: Any) -> ReadDecimalField:
    """Units per 1 EUR: greater than zero, at most eight places."""
    options = {"places": 8, "positive": True}
    return ReadDecimalField(
        reader=readers.amount, min_places=4, max_places=8, reader_options=options, **kwargs
    )
