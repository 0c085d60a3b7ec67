"""Names and numbers in bank texts: name skeletons, identifiers, document numbers (pure)."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from xfinances.invoicing.creditor_reference import find_rf_references

_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z",
    "и": "i", "й": "y", "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
    "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "х": "h", "ц": "ts", "ч": "ch",
    "ш": "sh", "щ": "sht", "ъ": "a", "ь": "y", "ю": "yu", "я": "ya", "ѝ": "i", "ё": "yo",
    "э": "e", "ы": "i",
}  # fmt: skip
_TRANSLIT_TABLE = str.maketrans(_TRANSLIT)
# Latin spellings of the same Bulgarian sounds fold to one skeleton ("Zhivko", "Jivko").
_FOLDS = (
    ("sht", "st"), ("zh", "j"), ("ts", "c"), ("tz", "c"), ("ch", "c"), ("sh", "s"),
    ("kh", "h"), ("yu", "u"), ("iu", "u"), ("ya", "a"), ("ia", "a"), ("y", "i"),
    ("w", "v"), ("x", "ks"), ("ph", "f"), ("q", "k"),
)  # fmt: skip
LEGAL_FORMS = frozenset((
    "ood", "eood", "ad", "ead", "et", "sd", "kd", "kda", "zad", "eaad", "adsits", "ltd", "llc",
    "gmbh", "plc", "inc", "sa", "srl", "spa", "bv", "ag", "co", "corp", "limited", "company",
))  # fmt: skip
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_ABBREVIATION_MARKS = re.compile(r"[.'`’]")  # "B.S. Trade" = "BS Trade"


def transliterate(text: str) -> str:
    """Bulgarian Cyrillic → Latin (the official streamlined system), lower case."""
    return (text or "").lower().translate(_TRANSLIT_TABLE)


@functools.lru_cache(maxsize=65_536)
def name_skeleton(name: str) -> str:
    """The comparable form of a company or person name: transliterated, lower case, legal
    forms and punctuation dropped, Latin spelling variants folded ("ЕТ Живко Щерев" and
    "Jivko Shterev ET" → "jivko sterev")."""
    words = _NON_ALNUM.sub(" ", _ABBREVIATION_MARKS.sub("", transliterate(name))).split()
    kept = [w for w in words if w not in LEGAL_FORMS] or words
    text = " ".join(kept)
    for source, target in _FOLDS:
        text = text.replace(source, target)
    return text


def compact_identifier(value: str) -> str:
    """An IBAN, ЕИК or VAT number without spaces or separators, upper case."""
    if not value:
        return ""
    if value.isalnum():
        return value.upper()
    return _IDENTIFIER_SEPARATORS.sub("", value).upper()


def alias_key(value: str) -> str:
    """The key a learned alias is stored under: a compact IBAN, or a name skeleton."""
    compact = compact_identifier(value)
    if _IBAN.fullmatch(compact):
        return compact
    return name_skeleton(value)


def _name_tokens(skeleton: str) -> list[str]:
    return [w[:4] for w in skeleton.split() if len(w) >= 3]


_IBAN = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")
_IDENTIFIER_SEPARATORS = re.compile(r"[\s\-./]")
_NON_DIGITS = re.compile(r"\D")
_DIGIT_RUNS = re.compile(r"\d+")
_ANY_DIGIT = re.compile(r"\d")
_IBAN_IN_TEXT = re.compile(r"\b[A-Z]{2}\d{2}(?:\s?[A-Z0-9]{4}){2,7}(?:\s?[A-Z0-9]{1,4})?\b", re.I)
# Dates and amounts: "05.11", "05.11.2025", "2025-11-05", "1 234,56", "1234.50".
_DATES_AMOUNTS = re.compile(
    r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}[./]\d{1,2}[./]\d{2,4}\b|\b\d+(?:[ .]\d{3})*[.,]\d{2}\b"
    r"|\b\d{1,2}\.\d{1,2}\b"
)
_TOKENS = re.compile(
    r"(?P<kw>(?:"
    r"ф(?:актур[^\W\d]*|ак|-?р[аи]|\.|/р)|фра|фн|фф|inv[^\W\d]*|fakt[^\W\d]*|"
    r"ф-?ри|№|no\.?|nr\.?|num[^\W\d]*|номер[^\W\d]*|док(?:умент)?[^\W\d]*|"
    r"проф(?:орм)?[^\W\d]*|сметк[^\W\d]*|bill[^\W\d]*|doc[^\W\d]*)(?![^\W\d]))"
    r"|(?P<num>\d+)"
    r"|(?P<sep>[\s,;:#./\\\-–&+()]+|\bи\b|\band\b|\bот\b|\bfrom\b)"
    r"|(?P<word>[^\W\d]+)"
    r"|(?P<other>.)",
    re.IGNORECASE,
)


@dataclass(frozen=True, slots=True)
class NumberMention:
    written: str  # the digits as the payer wrote them
    key: str  # without leading zeros
    keyword: bool  # after "ф-ра", "№", "inv" … (or in a list that follows one)


def number_key(number: str) -> str:
    """The matching key of a document number: its digits without leading zeros."""
    digits = number if number.isdigit() else _NON_DIGITS.sub("", number or "")
    return digits.lstrip("0") or ("0" if digits else "")


def _blank_references(text: str, references: list[str]) -> str:
    """`text` with each reference (written with spaces or hyphens inside) blanked out."""
    if not references:
        return text
    positions = [k for k, c in enumerate(text) if c not in " -\u00a0"]
    compact = "".join(text[k] for k in positions).upper()
    chars = list(text)
    for reference in references:
        start = compact.find(reference)
        while start >= 0:
            for k in positions[start : start + len(reference)]:
                chars[k] = " "
            start = compact.find(reference, start + len(reference))
    return "".join(chars)


def find_numbers(
    text: str, *, all_keyword: bool = False, references: list[str] | None = None
) -> list[NumberMention]:
    """Every number in a remittance text that may be a document number, in order.

    RF references, IBANs, dates and amounts are removed first. A number after a keyword
    ("ф-ра", "фактура №", "inv", "№", "док.") is marked `keyword`, and so is every number in
    a list that follows one ("ф-ри 12, 13 и 14"); a plain word ends the list."""
    if not text or not _ANY_DIGIT.search(text):
        return []
    if references is None and ("rf" in text or "RF" in text or "Rf" in text or "rF" in text):
        references = find_rf_references(text)
    if references:
        text = _blank_references(text, references)
    text = _IBAN_IN_TEXT.sub(" ", text)
    text = _DATES_AMOUNTS.sub(" ", text)
    found: list[NumberMention] = []
    in_list = all_keyword
    for match in _TOKENS.finditer(text):
        kind = match.lastgroup
        if kind == "kw":
            in_list = True
        elif kind == "num":
            written = match.group()
            found.append(NumberMention(written, written.lstrip("0") or "0", in_list))
        elif kind in ("word", "other"):
            in_list = all_keyword
    return found


_IDENTIFIER_IN_TEXT = re.compile(r"(?<![0-9A-Z])(?:[A-Z]{2}\s?)?\d{9,13}(?!\d)", re.I)


def find_identifiers(text: str) -> list[str]:
    """ЕИК / VAT / ЕГН-like numbers in free text, compact ("BG123456789", "123456789")."""
    found = []
    for match in _IDENTIFIER_IN_TEXT.finditer(text or ""):
        value = compact_identifier(match.group())
        found.append(value)
        if not value[:2].isdigit():
            found.append(value[2:])
    return found
