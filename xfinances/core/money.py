"""Money: Decimal amounts with their currency, and the one place rounding happens.

Rules (documented in docs/money.md):
- Amounts are `Decimal`, never float. Constructing `Money` from a float is an error.
- Rounding is half-up to the cent, and happens only at the named points below:
  `LINE_TOTAL`, `VAT_PER_RATE`, `DOCUMENT_TOTAL`, `CONVERSION`. Everything between them keeps
  full precision.
- BGN ↔ EUR uses the fixed rate 1 EUR = 1.95583 BGN (ЗВЕРБ): divide by the full rate, round.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import Enum

CENT = Decimal("0.01")
BGN_PER_EUR = Decimal("1.95583")
ZERO = Decimal("0")


class RoundingPoint(Enum):
    """The points where an amount is rounded to the cent. Nowhere else."""

    LINE_TOTAL = "line total (quantity × unit price − discount)"
    VAT_PER_RATE = "VAT of all lines with the same rate"
    DOCUMENT_TOTAL = "document totals (base, VAT, total)"
    CONVERSION = "conversion between currencies"


class MoneyError(ValueError):
    pass


#: Typed amounts (strings) must stay below this: every money column holds 18 digits with 2
#: places, and a typed 10^20 was stored on SQLite and broke every page that summed it.
MAX_TYPED = Decimal(10) ** 15


def to_decimal(value: object) -> Decimal:
    """A Decimal from a string, int or Decimal. Floats are refused: they are not exact."""
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool | float):
        raise MoneyError("money must not be a float or bool; pass a string or Decimal")
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        text = value.strip().replace(" ", "").replace("\u00a0", "")
        if "," in text and "." not in text:
            text = text.replace(",", ".")
        if "e" in text.lower():  # "1e20": no person types exponents; it overflowed the columns
            raise MoneyError(f"{value!r} is not a number")
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise MoneyError(f"{value!r} is not a number") from None
        if result.is_finite() and abs(result) >= MAX_TYPED:
            raise MoneyError(f"{value!r} is too large")
    else:
        raise MoneyError(f"cannot read an amount from {type(value).__name__}")
    if not result.is_finite():
        raise MoneyError(f"{value!r} is not a finite number")
    return result


def round_cent(value: Decimal, point: RoundingPoint | None = None) -> Decimal:
    """Round half-up to the cent. `point` names why (documentation and grep-ability)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def round_to(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class Money:
    amount: Decimal
    currency: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "amount", to_decimal(self.amount))
        if len(self.currency) != 3 or not self.currency.isalpha():
            raise MoneyError(f"{self.currency!r} is not a currency code")
        object.__setattr__(self, "currency", self.currency.upper())

    def _same(self, other: Money) -> None:
        if not isinstance(other, Money):
            raise MoneyError("can only combine Money with Money")
        if other.currency != self.currency:
            raise MoneyError(f"cannot combine {self.currency} with {other.currency}")

    def __add__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount + other.amount, self.currency)

    def __sub__(self, other: Money) -> Money:
        self._same(other)
        return Money(self.amount - other.amount, self.currency)

    def __neg__(self) -> Money:
        return Money(-self.amount, self.currency)

    def __mul__(self, factor: Decimal | int) -> Money:
        if isinstance(factor, float):
            raise MoneyError("multiply money by a Decimal, not a float")
        return Money(self.amount * factor, self.currency)

    def rounded(self, point: RoundingPoint | None = None) -> Money:
        return Money(round_cent(self.amount, point), self.currency)

    def is_zero(self) -> bool:
        return self.amount == 0

    def __str__(self) -> str:
        return f"{format_amount(self.amount)} {self.currency}"


def bgn_to_eur(amount: Decimal) -> Decimal:
    """BGN → EUR at the fixed rate: divide by the full rate, round half-up to the cent."""
    return round_cent(to_decimal(amount) / BGN_PER_EUR, RoundingPoint.CONVERSION)


def eur_to_bgn(amount: Decimal) -> Decimal:
    return round_cent(to_decimal(amount) * BGN_PER_EUR, RoundingPoint.CONVERSION)


def convert(
    amount: Decimal, from_currency: str, to_currency: str, rate_per_eur: dict[str, Decimal]
) -> Decimal:
    """Convert through EUR. `rate_per_eur[c]` is units of c per 1 EUR; BGN is always fixed."""
    if from_currency == to_currency:
        return to_decimal(amount)
    rates = {"EUR": Decimal(1), **rate_per_eur, "BGN": BGN_PER_EUR}
    try:
        eur = to_decimal(amount) / rates[from_currency]
        return round_cent(eur * rates[to_currency], RoundingPoint.CONVERSION)
    except KeyError as missing:
        raise MoneyError(f"no exchange rate for {missing.args[0]}") from None


def format_amount(
    amount: Decimal, places: int = 2, thousands: str = "\u00a0", decimal: str = ","
) -> str:
    """Bulgarian print form: 1 234 567,89 (non-breaking space for thousands, comma decimals)."""
    quantized = round_to(amount, places)
    sign = "-" if quantized < 0 else ""
    whole, _, frac = f"{abs(quantized):f}".partition(".")
    groups: list[str] = []
    while len(whole) > 3:
        groups.insert(0, whole[-3:])
        whole = whole[:-3]
    groups.insert(0, whole)
    text = thousands.join(groups)
    return f"{sign}{text}{decimal}{frac}" if places else f"{sign}{text}"
