"""Bulgarian and EU identifiers: ЕИК/БУЛСТАТ, VAT numbers, ЕГН, ЛНЧ, IBAN/BIC.

Pure functions: each `clean_*` returns the canonical form or raises `IdentifierError`
with a message in the user's language. python-stdnum covers 9-digit ЕИК, ЕГН, ЛНЧ and EU
VAT numbers; the 13-digit ЕИК of branches follows the rule in shared/domain/bg-invoicing.md.
"""

from __future__ import annotations

import re

from django.utils.translation import gettext as _
from schwifty import IBAN
from schwifty.exceptions import SchwiftyException
from stdnum.bg import egn as stdnum_egn
from stdnum.bg import pnf as stdnum_pnf
from stdnum.eu import vat as stdnum_eu_vat
from stdnum.exceptions import ValidationError as StdnumError

_SPACES = re.compile(r"[\s\-./]")


class IdentifierError(ValueError):
    """The identifier is not valid; str(error) says why, in the active language."""


def _digits(value: str) -> str:
    return _SPACES.sub("", value or "").upper()


def _weighted(digits: str, weights: tuple[int, ...]) -> int:
    return sum(int(d) * w for d, w in zip(digits, weights, strict=True)) % 11


def _eik9_check(first8: str) -> int:
    rest = _weighted(first8, (1, 2, 3, 4, 5, 6, 7, 8))
    if rest == 10:
        rest = _weighted(first8, (3, 4, 5, 6, 7, 8, 9, 10))
    return 0 if rest == 10 else rest


def _eik13_check(digits12: str) -> int:
    tail = digits12[8:12]
    rest = _weighted(tail, (2, 7, 3, 5))
    if rest == 10:
        rest = _weighted(tail, (4, 9, 5, 7))
    return 0 if rest == 10 else rest


def clean_eik(value: str) -> str:
    """ЕИК/БУЛСТАТ: 9 digits, or 13 for a branch, with valid check digits."""
    eik = _digits(value)
    if eik.startswith("BG"):
        eik = eik[2:]
    if not eik.isdigit() or len(eik) not in (9, 13):
        raise IdentifierError(_("ЕИК must have 9 or 13 digits."))
    if int(eik[8]) != _eik9_check(eik[:8]):
        raise IdentifierError(_("ЕИК check digit is wrong: please check the number."))
    if len(eik) == 13 and int(eik[12]) != _eik13_check(eik[:12]):
        raise IdentifierError(_("ЕИК check digit is wrong: please check the number."))
    return eik


def clean_egn(value: str) -> str:
    """ЕГН of a Bulgarian citizen (10 digits, date of birth and check digit)."""
    try:
        return str(stdnum_egn.validate(_digits(value)))
    except StdnumError:
        raise IdentifierError(_("ЕГН is not valid: 10 digits with a valid date and check digit."))


def clean_lnch(value: str) -> str:
    """ЛНЧ of a foreigner resident in Bulgaria (10 digits with a check digit)."""
    try:
        return str(stdnum_pnf.validate(_digits(value)))
    except StdnumError:
        raise IdentifierError(_("ЛНЧ is not valid: 10 digits with a valid check digit."))


def clean_vat_number(value: str) -> str:
    """A VAT number with its country prefix: BG + ЕИК/ЕГН, or any EU member state's."""
    vat = _digits(value)
    if vat.isdigit():
        raise IdentifierError(
            _("VAT number must start with its country code, e.g. BG123456789 or DE123456789.")
        )
    if vat.startswith("BG"):
        number = vat[2:]
        if len(number) in (9, 13):
            return "BG" + clean_eik(number)
        if len(number) == 10:
            try:
                return "BG" + str(stdnum_egn.validate(number))
            except StdnumError:
                pass
            try:
                return "BG" + str(stdnum_pnf.validate(number))
            except StdnumError:
                pass
        raise IdentifierError(_("Bulgarian VAT number is BG followed by a valid ЕИК, ЕГН or ЛНЧ."))
    country = vat[:2].lower()
    if country not in stdnum_eu_vat.MEMBER_STATES and country != "el":
        raise IdentifierError(
            _("Unknown country code in VAT number: %(code)s.") % {"code": vat[:2]}
        )
    try:
        return str(stdnum_eu_vat.validate(vat))
    except StdnumError:
        raise IdentifierError(_("VAT number %(vat)s is not valid for its country.") % {"vat": vat})


def clean_iban(value: str) -> str:
    """IBAN in its compact form; length and check digits validated for its country."""
    try:
        return str(IBAN(value or "").compact)
    except SchwiftyException:
        raise IdentifierError(_("IBAN is not valid: check its length and check digits."))


def bic_for_iban(iban: str) -> str:
    """The BIC of the bank behind an IBAN, or "" when the bank registry does not know it."""
    try:
        parsed = IBAN(iban)
    except SchwiftyException:
        return ""
    if parsed.bic:
        return str(parsed.bic)
    if parsed.country_code == "BG":
        # Every Bulgarian BIC is the IBAN's bank code followed by BGSF.
        return f"{parsed.bank_code}BGSF"
    return ""


def bank_name_for_iban(iban: str) -> str:
    try:
        bank = IBAN(iban).bank
    except SchwiftyException:
        return ""
    return str(getattr(bank, "name", "") or "") if bank else ""


def format_iban(iban: str) -> str:
    """IBAN in groups of four for print: BG80 BNBG 9661 1020 3456 78."""
    compact = _digits(iban)
    return " ".join(compact[i : i + 4] for i in range(0, len(compact), 4))
