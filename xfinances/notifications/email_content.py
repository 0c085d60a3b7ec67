"""Filling an e-mail template with a document's values (pure: no database).

Templates use `{placeholder}`; unknown placeholders are refused when a template is saved
(`unknown_placeholders`), so filling never fails. Values are escaped in the HTML part. A line
holding `{portal_link}` is dropped when there is no link."""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from html import escape

from xfinances.notifications.default_templates import PLACEHOLDERS


@dataclass(frozen=True)
class FilledEmail:
    subject: str
    text: str
    html: str


def unknown_placeholders(template: str) -> list[str]:
    """Placeholder names in `template` that filling would not know; [] when all are known.
    A malformed brace (`{` without `}`) is reported as the literal text."""
    try:
        names = [
            field for _, field, _, _ in string.Formatter().parse(template) if field is not None
        ]
    except ValueError:
        return [template[:40]]
    return [name for name in names if name not in PLACEHOLDERS]


def _without_portal(text: str, html: bool) -> str:
    if html:
        text = re.sub(r"<p>[^<]*<a [^>]*\{portal_link\}[^>]*>.*?</a>[^<]*</p>", "", text)
        text = re.sub(r"<a [^>]*\{portal_link\}[^>]*>.*?</a>", "", text)
    lines = [line for line in text.split("\n") if "{portal_link}" not in line]
    return "\n".join(lines)


def fill(subject: str, text: str, html: str, values: dict[str, str]) -> FilledEmail:
    values = {name: values.get(name, "") for name in PLACEHOLDERS}
    if not values["portal_link"]:
        text = _without_portal(text, html=False)
        html = _without_portal(html, html=True)
    safe_html = {name: escape(value) for name, value in values.items()}
    return FilledEmail(
        subject=" ".join(subject.format(**values).split()),
        text=text.format(**values),
        html=html.format(**safe_html) if html else "",
    )
