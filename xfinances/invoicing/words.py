"""The amount in words ("Словом") printed under a document's totals.

`amount_in_words(Decimal("123.45"), "EUR")` → "Сто двадесет и три евро и четиридесет и пет цента".

Bulgarian grammar followed here (see shared/domain/bg-invoicing.md and docs/money.md):

- Gender of "one" and "two" follows the noun that is counted: евро is neuter ("едно евро",
  "две евро"), лев, цент, евроцент, милион and милиард are masculine ("един лев", "два лева",
  "два милиона"), стотинка and хиляда are feminine ("една стотинка", "две хиляди").
- The noun is singular only when the whole count is exactly 1 ("един лев", but "двадесет и един
  лева", "сто и една стотинки"); otherwise plural/count form (лева, цента, стотинки, хиляди,
  милиона, милиарда). евро never changes.
- 1000 is "хиляда" (never "една хиляда"); 1 000 000 is "един милион"; 10⁹ is "един милиард".
- "и" joins the last two words of a three-digit group ("сто и едно", "сто двадесет и едно",
  "двадесет и едно") and stands before the final group of the number when that group is one
  word ("хиляда и едно", "две хиляди и пет", "хиляда и сто", "един милион и триста хиляди"),
  but not when the final group has several words ("хиляда сто и двадесет").
- Whole part and cents are joined by " и ": "… евро и четиридесет и пет цента". Zero cents are
  left out ("Сто евро"); a zero whole part is "нула" ("Нула евро и пет цента").
- Cents may be printed in words (default) or in digits ("… евро и 45 цента").
- Currencies other than EUR and BGN: words for the whole part (masculine), the currency code,
  and the cents in digits: "Сто и един USD и 45 цента" / "One hundred one USD and 45/100".

Negative amounts are refused: notes print absolute values. Amounts must be whole cents.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from xfinances.core.money import CENT, MoneyError, to_decimal

#: The largest amount said in words: fifteen digits before the point. One amount a person types
#: is at most 999 999 999 999,99 (`core.readers.MAX_AMOUNT`); a document's total, the sum of
#: its lines, may go beyond it, and its "Словом" line must still be printed.
MAX_AMOUNT = Decimal("999999999999999.99")
_LIMIT = 10**15


class Gender(Enum):
    MASCULINE = "m"
    FEMININE = "f"
    NEUTER = "n"


@dataclass(frozen=True)
class Noun:
    """A counted noun: its gender and its singular (count 1) and plural/count forms."""

    gender: Gender
    singular: str
    plural: str

    def form(self, count: int) -> str:
        return self.singular if count == 1 else self.plural


# --- Bulgarian -------------------------------------------------------------------------------

_BG_ONE = {Gender.MASCULINE: "един", Gender.FEMININE: "една", Gender.NEUTER: "едно"}
_BG_TWO = {Gender.MASCULINE: "два", Gender.FEMININE: "две", Gender.NEUTER: "две"}
_BG_UNITS = ["", "", "", "три", "четири", "пет", "шест", "седем", "осем", "девет"]
_BG_TEENS = [
    "десет",
    "единадесет",
    "дванадесет",
    "тринадесет",
    "четиринадесет",
    "петнадесет",
    "шестнадесет",
    "седемнадесет",
    "осемнадесет",
    "деветнадесет",
]
_BG_TENS = [
    "",
    "",
    "двадесет",
    "тридесет",
    "четиридесет",
    "петдесет",
    "шестдесет",
    "седемдесет",
    "осемдесет",
    "деветдесет",
]
_BG_HUNDREDS = [
    "",
    "сто",
    "двеста",
    "триста",
    "четиристотин",
    "петстотин",
    "шестстотин",
    "седемстотин",
    "осемстотин",
    "деветстотин",
]

_BG_THOUSAND = Noun(Gender.FEMININE, "хиляда", "хиляди")
_BG_MILLION = Noun(Gender.MASCULINE, "милион", "милиона")
_BG_BILLION = Noun(Gender.MASCULINE, "милиард", "милиарда")
_BG_TRILLION = Noun(Gender.MASCULINE, "трилион", "трилиона")

BG_EURO = Noun(Gender.NEUTER, "евро", "евро")
BG_CENT = Noun(Gender.MASCULINE, "цент", "цента")
BG_EUROCENT = Noun(Gender.MASCULINE, "евроцент", "евроцента")
BG_LEV = Noun(Gender.MASCULINE, "лев", "лева")
BG_STOTINKA = Noun(Gender.FEMININE, "стотинка", "стотинки")


def _bg_unit(digit: int, gender: Gender) -> str:
    if digit == 1:
        return _BG_ONE[gender]
    if digit == 2:
        return _BG_TWO[gender]
    return _BG_UNITS[digit]


def _bg_group_words(number: int, gender: Gender) -> list[str]:
    """The words of 1..999 without any "и" (the caller places it)."""
    hundreds, rest = divmod(number, 100)
    words: list[str] = []
    if hundreds:
        words.append(_BG_HUNDREDS[hundreds])
    if 10 <= rest <= 19:
        words.append(_BG_TEENS[rest - 10])
    else:
        tens, units = divmod(rest, 10)
        if tens:
            words.append(_BG_TENS[tens])
        if units:
            words.append(_bg_unit(units, gender))
    return words


def _bg_join_group(words: list[str]) -> str:
    """ "и" before the last word of a group: "сто и едно", "сто двадесет и едно"."""
    if len(words) < 2:
        return " ".join(words)
    return " ".join(words[:-1]) + " и " + words[-1]


def bulgarian_number(number: int, gender: Gender) -> str:
    """`number` (0 ≤ n < 10¹⁵) in Bulgarian words; `gender` is that of the counted noun."""
    if number < 0 or number >= _LIMIT:
        raise ValueError(f"{number} is outside 0 … 999 999 999 999 999")
    if number == 0:
        return "нула"
    trillions, rest = divmod(number, 10**12)
    billions, rest = divmod(rest, 10**9)
    millions, rest = divmod(rest, 10**6)
    thousands, units = divmod(rest, 1000)
    # Each part: (text, is it a single word of the group's number?)
    parts: list[tuple[str, bool]] = []
    for count, noun in (
        (trillions, _BG_TRILLION),
        (billions, _BG_BILLION),
        (millions, _BG_MILLION),
    ):
        if count:
            words = _bg_group_words(count, noun.gender)
            parts.append((f"{_bg_join_group(words)} {noun.form(count)}", len(words) == 1))
    if thousands == 1:
        parts.append((_BG_THOUSAND.singular, True))
    elif thousands:
        words = _bg_group_words(thousands, _BG_THOUSAND.gender)
        parts.append((f"{_bg_join_group(words)} {_BG_THOUSAND.plural}", len(words) == 1))
    if units:
        words = _bg_group_words(units, gender)
        parts.append((_bg_join_group(words), len(words) == 1))
    text = " ".join(part for part, _ in parts[:-1])
    last, last_is_one_word = parts[-1]
    if not text:
        return last
    return f"{text} и {last}" if last_is_one_word else f"{text} {last}"


# --- English ---------------------------------------------------------------------------------

_EN_SMALL = [
    "zero",
    "one",
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "eleven",
    "twelve",
    "thirteen",
    "fourteen",
    "fifteen",
    "sixteen",
    "seventeen",
    "eighteen",
    "nineteen",
]
_EN_TENS = ["", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]


def _en_group(number: int) -> str:
    hundreds, rest = divmod(number, 100)
    words: list[str] = []
    if hundreds:
        words.append(f"{_EN_SMALL[hundreds]} hundred")
    if rest >= 20:
        tens, units = divmod(rest, 10)
        words.append(_EN_TENS[tens] + (f"-{_EN_SMALL[units]}" if units else ""))
    elif rest:
        words.append(_EN_SMALL[rest])
    return " ".join(words)


def english_number(number: int) -> str:
    """`number` (0 ≤ n < 10¹⁵) in English words, no "and": "one hundred twenty-three"."""
    if number < 0 or number >= _LIMIT:
        raise ValueError(f"{number} is outside 0 … 999 999 999 999 999")
    if number == 0:
        return "zero"
    parts: list[str] = []
    scales = ((10**12, "trillion"), (10**9, "billion"), (10**6, "million"), (1000, "thousand"))
    for scale, name in (*scales, (1, "")):
        count, number = divmod(number, scale)
        if count:
            parts.append(f"{_en_group(count)} {name}".strip())
    return " ".join(parts)


_EN_NOUNS = {
    "EUR": (("euro", "euro"), ("cent", "cents")),
    "BGN": (("lev", "leva"), ("stotinka", "stotinki")),
}


# --- The public function ---------------------------------------------------------------------


def _split(amount: object) -> tuple[int, int]:
    try:
        value = to_decimal(amount)
    except MoneyError as error:
        raise ValueError(str(error)) from None
    if value < 0:
        raise ValueError(
            "amount in words: the amount must not be negative (print the absolute value)"
        )
    if value > MAX_AMOUNT:
        raise ValueError(f"amount in words: the amount must not exceed {MAX_AMOUNT}")
    if value != value.quantize(CENT):
        raise ValueError(f"amount in words: {value} is not a whole number of cents")
    cents_total = int(value * 100)
    return divmod(cents_total, 100)


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def amount_in_words(
    amount: Decimal,
    currency: str,
    language: str = "bg",
    *,
    cents_in_words: bool = True,
    eurocent: bool = False,
) -> str:
    """The amount in words, first letter capitalised.

    `currency`: EUR and BGN get full grammar; any other code gets the generic form (whole part in
    words, the code, cents in digits). `language`: "bg" or "en". `cents_in_words=False` prints the
    cents as digits ("и 45 цента" / "and 45 cents"). `eurocent=True` says "евроцент(а)" instead of
    "цент(а)" (Bulgarian EUR only). Raises ValueError for negative amounts, fractions of a cent,
    amounts above 999 999 999 999 999.99, unknown languages.
    """
    whole, cents = _split(amount)
    currency = (currency or "").strip().upper()
    if language == "bg":
        text = _bulgarian(whole, cents, currency, cents_in_words=cents_in_words, eurocent=eurocent)
    elif language == "en":
        text = _english(whole, cents, currency, cents_in_words=cents_in_words)
    else:
        raise ValueError(f"amount in words: unknown language {language!r} (use 'bg' or 'en')")
    return _capitalise(text)


def _bulgarian(
    whole: int, cents: int, currency: str, *, cents_in_words: bool, eurocent: bool
) -> str:
    if currency == "EUR":
        main, minor = BG_EURO, (BG_EUROCENT if eurocent else BG_CENT)
    elif currency == "BGN":
        main, minor = BG_LEV, BG_STOTINKA
    else:
        text = f"{bulgarian_number(whole, Gender.MASCULINE)} {currency}"
        if cents:
            text += f" и {cents} {BG_CENT.form(cents)}"
        return text
    text = f"{bulgarian_number(whole, main.gender)} {main.form(whole)}"
    if cents:
        count = bulgarian_number(cents, minor.gender) if cents_in_words else str(cents)
        text += f" и {count} {minor.form(cents)}"
    return text


def _english(whole: int, cents: int, currency: str, *, cents_in_words: bool) -> str:
    nouns = _EN_NOUNS.get(currency)
    if nouns is None:
        text = f"{english_number(whole)} {currency}"
        if cents:
            text += f" and {cents:02d}/100"
        return text
    (main_one, main_many), (minor_one, minor_many) = nouns
    text = f"{english_number(whole)} {main_one if whole == 1 else main_many}"
    if cents:
        count = english_number(cents) if cents_in_words else str(cents)
        text += f" and {count} {minor_one if cents == 1 else minor_many}"
    return text
