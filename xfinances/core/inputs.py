"""Typed inputs of actions: one declaration of the fields a form, the API and the CLI fill in.

An action that takes what a person typed declares a frozen dataclass of typed values (an
`ActionInput`); each field names the reader of `core/readers.py` that turns raw text into its
value. The form, the API schema and the CLI build the input with `Input.read(raw)` (every field,
for a create) or `Input.read_changes(raw)` (the fields given, for an update); reading collects
every field's message into one `InvalidInput`, so the action only checks what needs the
database (the company's own records, uniqueness, locks) and never parses a string again.
Code and tests that already hold typed values construct the input directly.

    @dataclass(frozen=True, kw_only=True)
    class ProductInput(ActionInput):
        name: str = reads(text(max_length=200, required=True), default="")
        unit_price: Decimal = reads(amount(places=4), default=Decimal(0))

    product = create_product(actor, company, ProductInput.read(form.cleaned_data))
    update_product(actor, product, ProductInput.read_changes({"unit_price": "12,50"}))
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar, Generic, Self, TypeVar

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from xfinances.core import readers
from xfinances.core.exceptions import ErrorCollector, InvalidInput
from xfinances.core.identifiers import clean_iban

Reader = Callable[[object], Any]
T = TypeVar("T", bound="ActionInput")

_READER = "xfinances.reader"


def reads(reader: Reader, *, default: Any) -> Any:
    """A field read by `reader` (raw value → typed value, or `readers.ReadError`). Every field
    has a default: a create reads a missing field's default through the reader too, so a
    required field left out gets the reader's message."""
    factory = isinstance(default, list | dict | set)
    return dataclasses.field(
        default=dataclasses.MISSING if factory else default,
        default_factory=(lambda: type(default)(default)) if factory else dataclasses.MISSING,
        metadata={_READER: reader},
    )


@dataclass(frozen=True)
class Changes(Generic[T]):
    """An update: `values` holds the fields named in `given`; the others are defaults to ignore."""

    values: T
    given: frozenset[str]

    def __contains__(self, name: str) -> bool:
        return name in self.given

    def items(self) -> Iterator[tuple[str, Any]]:
        """(field, value) of each given field, in the input's declared order."""
        for name in self.values.field_names():
            if name in self.given:
                yield name, getattr(self.values, name)


class ActionInput:
    """The base of every action input dataclass (see the module's doc)."""

    __dataclass_fields__: ClassVar[dict[str, dataclasses.Field[Any]]]

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """The one list of the input's fields, for forms, schemas and checks."""
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def read(cls, raw: Mapping[str, object]) -> Self:
        """Every field from `raw` (a missing one from its default), or `InvalidInput`."""
        return cls._read(raw, cls.field_names())

    @classmethod
    def read_changes(cls, raw: Mapping[str, object]) -> Changes[Self]:
        """The fields present in `raw`, for an update; the others stay as they are."""
        given = frozenset(raw)
        return Changes(cls._read(raw, [n for n in cls.field_names() if n in given]), given)

    @classmethod
    def changes(cls, **values: Any) -> Changes[Self]:
        """Typed values a caller already holds, as an update (no reading)."""
        return Changes(cls(**values), frozenset(values))

    @classmethod
    def _read(cls, raw: Mapping[str, object], names: Any) -> Self:
        unknown = set(raw) - set(cls.field_names())
        if unknown:  # a caller's mistake (a misspelt field), not bad user input
            raise TypeError(f"unknown {cls.__name__} fields: {sorted(unknown)}")
        errors = InvalidInput.collect()
        values: dict[str, Any] = {}
        for spec in dataclasses.fields(cls):
            if spec.name not in names:
                continue
            value = raw[spec.name] if spec.name in raw else _default(spec)
            try:
                values[spec.name] = spec.metadata[_READER](value)
            except readers.ReadError as error:
                errors.add(spec.name, error.message)
        cls.check_together(values, errors)
        errors.raise_if_any()
        return cls(**values)

    @classmethod
    def check_together(cls, values: Mapping[str, Any], errors: ErrorCollector) -> None:
        """Rules between fields that were read (an end before its start), reported with the
        fields' own messages. Fields not read (an update's others) are not in `values`: the
        action checks them against the record."""


def _default(spec: dataclasses.Field[Any]) -> Any:
    if spec.default_factory is not dataclasses.MISSING:
        return spec.default_factory()
    return spec.default


# ---------------------------------------------------------------- readers with their options


def text(*, max_length: int, required: bool = False, multiline: bool = False) -> Reader:
    return lambda value: readers.text(
        value, max_length=max_length, required=required, multiline=multiline
    )


def choice(values: Any, message: str | Promise, *, upper: bool = False) -> Reader:
    """One of `values` (a TextChoices' `.values`, or a list); `message` when it is not."""

    def read(value: object) -> str:
        found = readers.text(value, max_length=100)
        found = found.upper() if upper else found
        if found not in values:
            raise readers.ReadError(message)
        return found

    return read


def flag(value: object) -> bool:
    """A checkbox or a JSON boolean; `"0"`/`"false"`/`"off"`/empty are false."""
    if isinstance(value, str):
        return value.strip().lower() not in ("", "0", "false", "off", "no")
    return bool(value)


def integer(low: int, high: int) -> Reader:
    def read(value: object) -> int:
        try:
            if isinstance(value, bool | float):
                raise ValueError
            number = int(str(value).strip()) if not isinstance(value, int) else value
        except ValueError:
            number = None
        if number is None or not low <= number <= high:
            raise readers.ReadError(
                _("Enter a whole number between %(low)d and %(high)d.") % {"low": low, "high": high}
            )
        return number

    return read


def optional(reader: Reader) -> Reader:
    """`reader`, or None for an empty value."""
    return lambda value: (
        None if value is None or (isinstance(value, str) and not value.strip()) else reader(value)
    )


FIELD_REQUIRED = _("This field is required.")


def required(reader: Reader, message: str | Promise = FIELD_REQUIRED) -> Reader:
    """`reader`, refusing an empty value with `message`."""

    def read(value: object) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            raise readers.ReadError(message)
        return reader(value)

    return read


def amount(**options: Any) -> Reader:
    """`readers.amount` with its options; an empty value is zero."""
    return lambda value: readers.amount(
        Decimal(0) if value is None or value == "" else value, **options
    )


def percent(**options: Any) -> Reader:
    return lambda value: readers.percent(value, **options)


def date(value: object) -> Any:
    return readers.date(value)


def email(value: object) -> str:
    """An e-mail address, or empty."""
    address = readers.text(value, max_length=254)
    if address:
        try:
            validate_email(address)
        except ValidationError:
            raise readers.ReadError(_("Enter a valid e-mail address.")) from None
    return address


def iban(value: object) -> str:
    """An IBAN in its compact form, or empty."""
    text = readers.text(value, max_length=100)
    return readers.identifier(text, clean_iban, what="IBAN") if text else ""


def as_is(value: object) -> Any:
    """A reference the action resolves against the company (an id, a code, a record)."""
    return value
