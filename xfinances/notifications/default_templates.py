"""The built-in e-mail templates per document kind and language (data, not translations: each
language's text is written out, so the Bulgarian e-mail reads right whatever the UI language).

Placeholders (str.format style): {number} {date} {amount} {due_date} {portal_link} {company}
{recipient} {kind}. `{portal_link}` is empty when the portal gives no link."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class TemplateText:
    subject: str
    body_text: str
    body_html: str


KIND_NAMES: dict[str, dict[str, str]] = {
    "bg": {
        "invoice": "Фактура",
        "proforma": "Проформа фактура",
        "credit_note": "Кредитно известие",
        "debit_note": "Дебитно известие",
        "protocol": "Протокол",
    },
    "en": {
        "invoice": "Invoice",
        "proforma": "Proforma invoice",
        "credit_note": "Credit note",
        "debit_note": "Debit note",
        "protocol": "Protocol",
    },
}

_BG_TEXT = (
    "Здравейте,\n\n"
    "Изпращаме Ви {kind} № {number} от {date} на стойност {amount}.\n"
    "{due_line}"
    "Документът е приложен като PDF.\n"
    "{portal_line}\n"
    "Поздрави,\n{company}\n"
)
_EN_TEXT = (
    "Hello,\n\n"
    "Please find attached {kind} No. {number} of {date} for {amount}.\n"
    "{due_line}"
    "The document is attached as a PDF.\n"
    "{portal_line}\n"
    "Kind regards,\n{company}\n"
)
_BG_HTML = (
    "<p>Здравейте,</p>"
    "<p>Изпращаме Ви {kind} № <strong>{number}</strong> от {date} на стойност "
    "<strong>{amount}</strong>.</p>{due_html}"
    "<p>Документът е приложен като PDF.</p>{portal_html}"
    "<p>Поздрави,<br>{company}</p>"
)
_EN_HTML = (
    "<p>Hello,</p>"
    "<p>Please find attached {kind} No. <strong>{number}</strong> of {date} for "
    "<strong>{amount}</strong>.</p>{due_html}"
    "<p>The document is attached as a PDF.</p>{portal_html}"
    "<p>Kind regards,<br>{company}</p>"
)

_PARTS = {
    "bg": {
        "due_line": "Срок за плащане: {due_date}.\n",
        "portal_line": "Можете да го видите и онлайн: {portal_link}\n",
        "due_html": "<p>Срок за плащане: {due_date}.</p>",
        "portal_html": '<p><a href="{portal_link}">Вижте документа онлайн</a></p>',
    },
    "en": {
        "due_line": "Due date: {due_date}.\n",
        "portal_line": "You can also view it online: {portal_link}\n",
        "due_html": "<p>Due date: {due_date}.</p>",
        "portal_html": '<p><a href="{portal_link}">View the document online</a></p>',
    },
}


def default_template(kind: str, language: str) -> TemplateText:
    """The built-in template; due-date and portal lines are kept for kinds that have them."""
    language = "en" if language == "en" else "bg"
    parts = _PARTS[language]
    payable = kind in ("invoice", "proforma", "debit_note")
    fill = {
        "due_line": parts["due_line"] if payable else "",
        "portal_line": parts["portal_line"],
        "due_html": parts["due_html"] if payable else "",
        "portal_html": parts["portal_html"],
    }
    keep = {name: "{" + name + "}" for name in PLACEHOLDERS}
    text = (_BG_TEXT if language == "bg" else _EN_TEXT).format(**fill, **keep)
    html = (_BG_HTML if language == "bg" else _EN_HTML).format(**fill, **keep)
    subject = (
        "{kind} № {number} от {company}"
        if language == "bg"
        else "{kind} No. {number} from {company}"
    )
    return TemplateText(subject, text, html)


PLACEHOLDERS = (
    "number",
    "date",
    "amount",
    "due_date",
    "portal_link",
    "company",
    "recipient",
    "kind",
)
