"""Line nets, discounts, tax base and VAT per rate, document totals: pure, Decimal only.

The rules (docs/money.md has the worked examples):

1. Line net = quantity × unit price × (1 − discount % / 100), rounded half-up to the cent
   (`RoundingPoint.LINE_TOTAL`). The line's gross (quantity × unit price) is rounded the same
   way for display, and its discount amount is gross − net, so a printed line always adds up.
2. Lines are grouped by (vat_key, vat_rate): one group per VAT treatment and rate, which is also
   one row of the VAT breakdown and one column set in the VAT ledger.
3. A document discount applies to each group: discount = group's line nets × % / 100, rounded
   half-up (`RoundingPoint.DOCUMENT_TOTAL`); base = line nets − discount.
4. VAT of a group = base × rate / 100, rounded half-up ONCE on the group's summed base
   (`RoundingPoint.VAT_PER_RATE`), never line by line.
5. Document base, VAT and total are sums of the groups (`RoundingPoint.DOCUMENT_TOTAL`);
   total = base + VAT exactly.

Foreign-currency documents also state EUR figures (`convert_totals_to_eur`): each group's base
is converted (divided by units-per-EUR, rounded half-up, `RoundingPoint.CONVERSION`; BGN at the
fixed 1.95583), the VAT is charged on the converted base (ЗДДС art. 26(7): the base is converted,
the tax follows it), and the EUR total is base + VAT.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from xfinances.core.money import (
    BGN_PER_EUR,
    MoneyError,
    RoundingPoint,
    bgn_to_eur,
    round_cent,
    to_decimal,
)

ZERO = Decimal("0.00")
HUNDRED = Decimal(100)
QUANTITY_PLACES = 3
UNIT_PRICE_PLACES = 4
MAX_QUANTITY = Decimal("1000000000")  # 10⁹ units
MAX_UNIT_PRICE = Decimal("1000000000000")  # 10¹²


def _PLACES() -> str:
    return _("Use at most %(places)d decimal places.")


class TotalsError(ValueError):
    """Input that cannot be totalled. `field` names the input; `line` is 1-based or None."""

    field_name = "__all__"

    def __init__(self, message: str, line: int | None = None):
        self.line = line
        self.message = message
        where = f"line {line}: " if line is not None else ""
        super().__init__(f"{where}{self.field_name}: {message}")

    @property
    def field(self) -> str:
        return self.field_name

    @property
    def path(self) -> str:
        """Where the error belongs in a form or API body: "lines.3.quantity" or "currency"."""
        return f"lines.{self.line}.{self.field_name}" if self.line is not None else self.field_name


class QuantityError(TotalsError):
    field_name = "quantity"


class UnitPriceError(TotalsError):
    field_name = "unit_price"


class DiscountError(TotalsError):
    field_name = "discount_percent"


class VatRateError(TotalsError):
    field_name = "vat_rate"


class VatKeyError(TotalsError):
    field_name = "vat_key"


class DocumentDiscountError(TotalsError):
    field_name = "document_discount_percent"


class CurrencyError(TotalsError):
    field_name = "currency"


class ExchangeRateError(TotalsError):
    field_name = "exchange_rate"


def _places(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return -exponent if isinstance(exponent, int) and exponent < 0 else 0


def _read(value: object, error: type[TotalsError], line: int | None) -> Decimal:
    try:
        return to_decimal(value)
    except MoneyError:
        raise error(_("Enter a number, e.g. 1250,50."), line) from None


def _percent(value: object, error: type[TotalsError], line: int | None) -> Decimal:
    number = _read(value, error, line)
    if not Decimal(0) <= number <= HUNDRED:
        raise error(_("Enter a percentage from 0 to %(maximum)s.") % {"maximum": "100"}, line)
    return number


@dataclass(frozen=True, kw_only=True)
class LineInput:
    """One document line as entered. Pass values by name.

    quantity: up to 3 decimals, greater than zero; negative only on a `credit_line` (a line that
    deducts, e.g. an advance already invoiced). unit_price: without VAT, up to 4 decimals, ≥ 0.
    discount_percent: 0–100. vat_rate: percent, 0–100 (0 for exempt/reverse charge).
    vat_key: the VAT treatment code ("standard", "export", "reverse_charge" …).
    """

    quantity: Decimal
    unit_price: Decimal
    vat_rate: Decimal
    vat_key: str
    discount_percent: Decimal = Decimal(0)
    credit_line: bool = False


@dataclass(frozen=True)
class LineTotals:
    number: int  # 1-based position in the input
    vat_key: str
    vat_rate: Decimal
    gross: Decimal  # quantity × unit price, rounded
    discount: Decimal  # gross − net
    net: Decimal  # rounded at LINE_TOTAL


@dataclass(frozen=True)
class VatGroup:
    """One row of the VAT breakdown: all lines with the same treatment and rate."""

    vat_key: str
    vat_rate: Decimal
    lines_net: Decimal  # sum of line nets, before the document discount
    document_discount: Decimal
    base: Decimal
    vat: Decimal
    total: Decimal


@dataclass(frozen=True)
class DocumentTotals:
    currency: str
    lines: tuple[LineTotals, ...]
    groups: tuple[VatGroup, ...]  # by rate (highest first), then vat_key
    document_discount_percent: Decimal
    lines_net: Decimal
    document_discount: Decimal
    base: Decimal
    vat: Decimal
    total: Decimal

    def group(self, vat_key: str, vat_rate: Decimal | None = None) -> VatGroup | None:
        for group in self.groups:
            if group.vat_key == vat_key and (vat_rate is None or group.vat_rate == vat_rate):
                return group
        return None


def _check_line(number: int, line: LineInput) -> tuple[Decimal, Decimal, Decimal, Decimal, str]:
    quantity = _read(line.quantity, QuantityError, number)
    if _places(quantity) > QUANTITY_PLACES:
        raise QuantityError(_PLACES() % {"places": QUANTITY_PLACES}, number)
    if abs(quantity) >= MAX_QUANTITY:
        raise QuantityError(_("The quantity is too large."), number)
    if line.credit_line:
        if quantity == 0:
            raise QuantityError(_("The quantity cannot be zero."), number)
    elif quantity <= 0:
        raise QuantityError(_("Enter a quantity greater than zero."), number)
    price = _read(line.unit_price, UnitPriceError, number)
    if _places(price) > UNIT_PRICE_PLACES:
        raise UnitPriceError(_PLACES() % {"places": UNIT_PRICE_PLACES}, number)
    if price < 0:
        raise UnitPriceError(
            _("The price cannot be negative (use a negative quantity on a credit line)."), number
        )
    if price >= MAX_UNIT_PRICE:
        raise UnitPriceError(_("The price is too large."), number)
    discount = _percent(line.discount_percent, DiscountError, number)
    rate = _percent(line.vat_rate, VatRateError, number)
    key = (line.vat_key or "").strip() if isinstance(line.vat_key, str) else ""
    if not key:
        raise VatKeyError(_("Choose the VAT treatment."), number)
    return quantity, price, discount, rate, key


def line_totals(number: int, line: LineInput) -> LineTotals:
    """The rounded gross, discount and net of one line (validated; `number` is 1-based)."""
    quantity, price, discount, rate, key = _check_line(number, line)
    exact_gross = quantity * price
    net = round_cent(exact_gross * (HUNDRED - discount) / HUNDRED, RoundingPoint.LINE_TOTAL)
    gross = round_cent(exact_gross, RoundingPoint.LINE_TOTAL)
    return LineTotals(
        number=number,
        vat_key=key,
        vat_rate=rate,
        gross=gross,
        discount=gross - net,
        net=net,
    )


def vat_of(base: Decimal, rate: Decimal) -> Decimal:
    """VAT of a summed base at `rate` percent, rounded once (`RoundingPoint.VAT_PER_RATE`)."""
    return round_cent(base * rate / HUNDRED, RoundingPoint.VAT_PER_RATE)


def _clean_currency(currency: str) -> str:
    code = (currency or "").strip().upper() if isinstance(currency, str) else ""
    if len(code) != 3 or not code.isalpha():
        raise CurrencyError(
            _("%(code)s is not a three-letter currency code.") % {"code": repr(currency)}
        )
    return code


def compute_totals(
    lines: Iterable[LineInput],
    document_discount_percent: Decimal | int | str = 0,
    currency: str = "EUR",
) -> DocumentTotals:
    """Totals of a document. Raises a `TotalsError` subclass naming the field and line."""
    code = _clean_currency(currency)
    doc_percent = _percent(document_discount_percent, DocumentDiscountError, None)
    computed = tuple(line_totals(number, line) for number, line in enumerate(lines, start=1))

    nets: dict[tuple[str, Decimal], Decimal] = {}
    for line in computed:
        key = (line.vat_key, line.vat_rate)
        nets[key] = nets.get(key, ZERO) + line.net

    groups = []
    for (vat_key, rate), lines_net in sorted(
        nets.items(), key=lambda item: (-item[0][1], item[0][0])
    ):
        discount = round_cent(lines_net * doc_percent / HUNDRED, RoundingPoint.DOCUMENT_TOTAL)
        base = lines_net - discount
        vat = vat_of(base, rate)
        groups.append(
            VatGroup(
                vat_key=vat_key,
                vat_rate=rate,
                lines_net=lines_net,
                document_discount=discount,
                base=base,
                vat=vat,
                total=base + vat,
            )
        )

    base = round_cent(sum((g.base for g in groups), ZERO), RoundingPoint.DOCUMENT_TOTAL)
    vat = round_cent(sum((g.vat for g in groups), ZERO), RoundingPoint.DOCUMENT_TOTAL)
    return DocumentTotals(
        currency=code,
        lines=computed,
        groups=tuple(groups),
        document_discount_percent=doc_percent,
        lines_net=sum((line.net for line in computed), ZERO),
        document_discount=sum((g.document_discount for g in groups), ZERO),
        base=base,
        vat=vat,
        total=base + vat,
    )


@dataclass(frozen=True)
class EurGroup:
    vat_key: str
    vat_rate: Decimal
    base: Decimal
    vat: Decimal
    total: Decimal


@dataclass(frozen=True)
class EurTotals:
    """The EUR figures of a document in another currency (what the VAT ledger records)."""

    source_currency: str
    rate: Decimal  # units of source_currency per 1 EUR
    groups: tuple[EurGroup, ...] = field(default_factory=tuple)
    base: Decimal = ZERO
    vat: Decimal = ZERO
    total: Decimal = ZERO


def _to_eur(amount: Decimal, currency: str, rate: Decimal) -> Decimal:
    if currency == "EUR":
        return amount
    if currency == "BGN":
        return bgn_to_eur(amount)
    return round_cent(amount / rate, RoundingPoint.CONVERSION)


def convert_totals_to_eur(totals: DocumentTotals, rate: Decimal | str | None = None) -> EurTotals:
    """EUR base, VAT and total per group and for the document.

    `rate` is units of the document currency per 1 EUR on the tax event date (BNB/ECB reference).
    EUR needs no rate; BGN always uses the fixed 1.95583 (a different rate is refused).
    """
    currency = totals.currency
    if currency == "EUR":
        used = Decimal(1)
    elif currency == "BGN":
        if rate is not None and to_decimal(rate) != BGN_PER_EUR:
            raise ExchangeRateError(_("BGN is fixed at %(rate)s per EUR.") % {"rate": "1,95583"})
        used = BGN_PER_EUR
    else:
        if rate is None:
            raise ExchangeRateError(
                _("Enter the rate of %(currency)s per EUR.") % {"currency": currency}
            )
        used = _read(rate, ExchangeRateError, None)
        if used <= 0:
            raise ExchangeRateError(_("The rate must be greater than zero."))
    groups = []
    for group in totals.groups:
        base = _to_eur(group.base, currency, used)
        vat = group.vat if currency == "EUR" else vat_of(base, group.vat_rate)
        groups.append(EurGroup(group.vat_key, group.vat_rate, base, vat, base + vat))
    base = sum((g.base for g in groups), ZERO)
    vat = sum((g.vat for g in groups), ZERO)
    return EurTotals(
        source_currency=currency,
        rate=used,
        groups=tuple(groups),
        base=base,
        vat=vat,
        total=base + vat,
    )
