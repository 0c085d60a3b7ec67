"""Checking the VAT rows a user typed from a supplier's document (pure, no database).

A row is base and VAT at one rate. The VAT we compute is base × rate / 100, rounded half-up to
the cent (RoundingPoint.VAT_PER_RATE). A difference up to one cent is normal rounding; up to the
company's tolerance it is accepted with a warning (the supplier rounded differently, e.g. per
line); beyond the tolerance the row is refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import gettext as _

from xfinances.core import formatting
from xfinances.core.money import RoundingPoint, round_cent

ONE_CENT = Decimal("0.01")


@dataclass(frozen=True)
class VatRowInput:
    vat_rate: Decimal
    base: Decimal
    vat: Decimal
    vat_credit: str = "full"


@dataclass
class VatRowCheck:
    errors: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    total_base: Decimal = Decimal("0.00")
    total_vat: Decimal = Decimal("0.00")

    @property
    def total(self) -> Decimal:
        return self.total_base + self.total_vat


def expected_vat(base: Decimal, rate: Decimal) -> Decimal:
    return round_cent(base * rate / Decimal(100), RoundingPoint.VAT_PER_RATE)


def check_rows(rows: list[VatRowInput], tolerance: Decimal) -> VatRowCheck:
    """Errors keyed `rows.N.field` (N from 1), warnings as sentences, and the totals."""
    result = VatRowCheck()
    if not rows:
        result.errors["rows"] = [_("Enter at least one VAT row (base and VAT per rate).")]
        return result
    for number, row in enumerate(rows, start=1):
        if row.vat_rate < 0 or row.vat_rate > 100:
            result.errors.setdefault(f"rows.{number}.vat_rate", []).append(
                _("The rate must be between 0 and 100 %.")
            )
            continue
        if row.base < 0 or row.vat < 0:
            result.errors.setdefault(f"rows.{number}.base", []).append(
                _("Enter amounts without a minus sign; the kind of document gives the sign.")
            )
            continue
        expected = expected_vat(row.base, row.vat_rate)
        difference = abs(expected - row.vat)
        if difference > tolerance:
            result.errors.setdefault(f"rows.{number}.vat", []).append(
                _(
                    "VAT %(vat)s does not match %(base)s × %(rate)s %% = %(expected)s "
                    "(difference %(difference)s, more than the accepted %(tolerance)s)."
                )
                % {
                    "vat": formatting.amount(row.vat),
                    "base": formatting.amount(row.base),
                    "rate": formatting.percent(row.vat_rate),
                    "expected": formatting.amount(expected),
                    "difference": formatting.amount(difference),
                    "tolerance": formatting.amount(tolerance),
                }
            )
        elif difference > ONE_CENT:
            result.warnings.append(
                _(
                    "Row %(number)s: VAT %(vat)s differs from %(expected)s by %(difference)s; "
                    "accepted as the supplier's rounding."
                )
                % {
                    "number": number,
                    "vat": formatting.amount(row.vat),
                    "expected": formatting.amount(expected),
                    "difference": formatting.amount(difference),
                }
            )
        result.total_base += row.base
        result.total_vat += row.vat
    return result
