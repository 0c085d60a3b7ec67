"""ISO 11649 structured creditor references ("RF references") for sales documents.

A document's reference is "RF" + two check digits + an optional company prefix + the
10-digit document number: `rf_for_document("0000000042")` → "RF340000000042", printed in
groups of four: "RF34 0000 0000 42". Banks carry it in the remittance information, and the
matching engine finds it again with `find_rf_references()`.

Check digits come from python-stdnum (`stdnum.iso11649`, ISO 7064 mod 97-10).
"""

from __future__ import annotations

import re

from stdnum import iso11649
from stdnum.exceptions import ValidationError
from stdnum.iso7064 import mod_97_10

MAX_BODY = 21  # characters after "RFkk"
DOCUMENT_NUMBER = re.compile(r"^\d{10}$")
_BODY_CHARS = re.compile(r"^[0-9A-Z]+$")


class CreditorReferenceError(ValueError):
    """A reference, a document number or a prefix that cannot make a valid RF reference."""


def rf_for_body(body: str) -> str:
    """The compact RF reference for `body` (1–21 letters and digits): "RF" + check digits + body."""
    clean = (body or "").replace(" ", "").upper()
    if not clean or len(clean) > MAX_BODY or not _BODY_CHARS.match(clean):
        raise CreditorReferenceError(
            f"the reference body must be 1–{MAX_BODY} Latin letters or digits (got {body!r})"
        )
    return "RF" + mod_97_10.calc_check_digits(clean + "RF") + clean


def rf_for_document(number: str, prefix: str = "") -> str:
    """The compact RF reference of a document: `number` is the 10-digit document number,
    `prefix` an optional company-chosen prefix (letters/digits, at most 11 characters)."""
    if not DOCUMENT_NUMBER.match(number or ""):
        raise CreditorReferenceError(f"a document number has exactly 10 digits (got {number!r})")
    prefix = (prefix or "").replace(" ", "").upper()
    if prefix and not _BODY_CHARS.match(prefix):
        raise CreditorReferenceError(
            f"the prefix may hold only Latin letters and digits (got {prefix!r})"
        )
    if len(prefix) > MAX_BODY - 10:
        raise CreditorReferenceError(f"the prefix may be at most {MAX_BODY - 10} characters")
    return rf_for_body(prefix + number)


def validate_rf(reference: str) -> str:
    """The compact, upper-case form of a valid RF reference; CreditorReferenceError otherwise."""
    try:
        compact = iso11649.validate(reference or "")
    except ValidationError as error:
        raise CreditorReferenceError(
            f"{reference!r} is not a valid RF creditor reference: {error}"
        ) from None
    if not _BODY_CHARS.match(compact[4:]) or not compact[2:4].isdigit():
        raise CreditorReferenceError(f"{reference!r} is not a valid RF creditor reference")
    return compact


def is_valid_rf(reference: str) -> bool:
    try:
        validate_rf(reference)
    except CreditorReferenceError:
        return False
    return True


def format_rf(reference: str) -> str:
    """Print form in groups of four: "RF34 0000 0000 42" (validates first)."""
    return iso11649.format(validate_rf(reference))


def document_number_from_rf(reference: str, prefix: str = "") -> str | None:
    """The 10-digit document number inside a valid reference made by `rf_for_document` with
    the same `prefix`, or None when the reference is of another shape."""
    try:
        body = validate_rf(reference)[4:]
    except CreditorReferenceError:
        return None
    prefix = (prefix or "").replace(" ", "").upper()
    if not body.startswith(prefix):
        return None
    number = body[len(prefix) :]
    return number if DOCUMENT_NUMBER.match(number) else None


# "RF" + 2 digits, then letters/digits in groups separated by one space or hyphen.
_CANDIDATE = re.compile(
    r"(?<![0-9A-Z])RF\s?(\d{2})[\s-]?((?:[0-9A-Z]+(?:[ \-\u00a0][0-9A-Z]+)*))",
    re.IGNORECASE,
)
_SEPARATOR = re.compile(r"[ \-\u00a0]")


def find_rf_references(text: str) -> list[str]:
    """Every valid RF reference in free text (bank remittance lines), compact, in order, once.

    Accepts lower case, spaces or hyphens between groups, and text around the reference. When a
    reference in groups is followed by more words, the longest run of groups that validates wins.
    """
    found: list[str] = []
    for match in _CANDIDATE.finditer(text or ""):
        check, tail = match.group(1), match.group(2).upper()
        tokens = _SEPARATOR.split(tail)
        for end in range(len(tokens), 0, -1):
            body = "".join(tokens[:end])
            if len(body) > MAX_BODY:
                continue
            candidate = f"RF{check}{body}"
            if is_valid_rf(candidate):
                if candidate not in found:
                    found.append(candidate)
                break
    return found
