"""The text of a reminder e-mail (pure: values in, subject and text out).

Level templates use `{placeholder}` with the names in `PLACEHOLDERS`; unknown names are refused
when a level is saved, and filling never fails (a malformed template is sent as written)."""

from __future__ import annotations

import string
from dataclasses import dataclass
from decimal import Decimal

from xfinances.core import formatting
from xfinances.payments.dunning import PlannedEmail

PLACEHOLDERS = (
    "company",
    "client",
    "documents",
    "total",
    "interest",
    "fee",
    "how_to_pay",
    "portal_link",
)

HEADINGS = {
    "bg": ("Документ", "Падеж", "Дни просрочие", "Остатък", "Лихва"),
    "en": ("Document", "Due date", "Days overdue", "Remaining", "Interest"),
}


def unknown_placeholders(template: str) -> list[str]:
    try:
        names = [name for _, name, _, _ in string.Formatter().parse(template) if name is not None]
    except ValueError:
        return [template[:40]]
    return [name for name in names if name not in PLACEHOLDERS]


class _Values(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fill(template: str, values: dict[str, str]) -> str:
    try:
        return template.format_map(_Values(values))
    except (ValueError, IndexError, AttributeError):
        return template


def _amount(value: Decimal, language: str) -> str:
    return formatting.amount(value, language)


@dataclass(frozen=True)
class ReminderText:
    subject: str
    text: str


def document_table(email: PlannedEmail, language: str) -> str:
    heads = HEADINGS.get(language, HEADINGS["en"])
    rows = [" | ".join(heads)]
    for line in email.lines:
        document = line.document
        rows.append(
            " | ".join(
                [
                    document.number,
                    formatting.date(document.due_date, language),
                    str(max(line.days_overdue, 0)),
                    f"{_amount(document.remaining, language)} {document.currency}",
                    f"{_amount(line.interest, language)} {document.currency}"
                    if line.interest
                    else "-",
                ]
            )
        )
    return "\n".join(rows)


def compose(
    email: PlannedEmail,
    *,
    subject: str,
    body: str,
    language: str,
    company: str,
    client: str,
    how_to_pay: str,
    portal_link: str,
) -> ReminderText:
    totals = email.totals()
    interest: dict[str, Decimal] = {}
    for line in email.lines:
        interest[line.document.currency] = (
            interest.get(line.document.currency, Decimal(0)) + line.interest
        )
    values = {
        "company": company,
        "client": client,
        "documents": document_table(email, language),
        "total": ", ".join(f"{_amount(v, language)} {c}" for c, v in sorted(totals.items())),
        "interest": ", ".join(
            f"{_amount(v, language)} {c}" for c, v in sorted(interest.items()) if v
        ),
        "fee": f"{_amount(email.fee, language)} EUR" if email.fee else "",
        "how_to_pay": how_to_pay,
        "portal_link": portal_link,
    }
    return ReminderText(
        subject=" ".join(_fill(subject, values).split())[:300], text=_fill(body, values)
    )
