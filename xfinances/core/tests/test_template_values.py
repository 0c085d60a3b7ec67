"""Every amount and date a template prints goes through a formatting filter.

`{{ payment.amount }}` prints `1234.50` on a Bulgarian page, where a person reads
`1 234,50`; `{{ entry.booking_date }}` prints `2026-03-05` for `05.03.2026`. The page walks
(`test_bulgarian_pages.py`) see only the values their records happen to hold; this reads
the templates themselves (Django's own parse of them, no database) and fails on any printed
value whose name says it is money or a day and that no filter formats: `{{ x.total }}`,
a `{% blocktrans with a=x.total %}` or a bare `{{ amount }}` inside a `blocktrans`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from django.template import engines
from django.template.base import FilterExpression, Node, NodeList, VariableNode
from django.templatetags.i18n import BlockTranslateNode

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"

# The last part of a name that holds money, a rate or a day.
MONEY_OR_DAY = re.compile(
    r"(?:^|_)(?:amount|total|balance|price|outstanding|paid|credited|overpayment|shortfall"
    r"|written_off|base|vat|rate|closing|opening|date|day|at|period|due"
    r"|allocated|unallocated|difference|eur|remaining|fee|sum)$"
)
# Names that end like money or a day and are not: each with why.
NOT_MONEY_OR_DAY = {
    "amount_in_words": "the amount already written in words",
    "days_after_due": "a count of days",
    "labels.paid": "the portal's words for a status",
    "labels.partly_paid": "the portal's words for a status",
}
# (template, printed expression) that the rule would flag, each with why it is right.
PRINTED_AS_IS = {
    ("core/_pagination.html", "total"): "a count of pages",
    ("parties/_results.html", "total"): "a count of parties",
    ("treasury/account.html", "total"): "a count of statement pages",
    ("treasury/cash_order.html", "amount"): "formatted by the view (`format_amount`)",
    ("treasury/planned.html", "i.day"): "the day of the month, a number",
}


def _printed(node: Node) -> Iterator[tuple[str, FilterExpression | None]]:
    """(name, expression) for what a node prints; the expression is None for a bare name
    inside a `blocktrans` body that the tag did not bind."""
    if isinstance(node, VariableNode):
        yield node.filter_expression.token, node.filter_expression
    elif isinstance(node, BlockTranslateNode):
        bound = set(node.extra_context)
        for name, expression in node.extra_context.items():
            yield f"{name}={expression.token}", expression
        for token in [*node.singular, *(node.plural or [])]:
            if token.token_type.name == "VAR" and token.contents not in bound:
                yield token.contents, None


def _in_input_only(source: str, printed: str) -> bool:
    """Every place a value is printed is an input's value: a form gives back what a person
    typed, in the form they typed it."""
    places = [m.start() for m in re.finditer(r"\{\{ ?" + re.escape(printed) + r" ?\}\}", source)]
    return bool(places) and all(source[:at].endswith('value="') for at in places)


def _unformatted(template: str, nodes: NodeList | None = None, source: str = "") -> list[str]:
    if nodes is None:
        loaded = engines["django"].engine.get_template(template)
        nodes, source = loaded.nodelist, loaded.source
    found = []
    for node in [
        *nodes.get_nodes_by_type(VariableNode),
        *nodes.get_nodes_by_type(BlockTranslateNode),
    ]:
        for printed, expression in _printed(node):
            if expression is not None and expression.filters:
                continue
            value = expression.var if expression is not None else printed
            name = str(getattr(value, "var", value))
            last = name.rsplit(".", 1)[-1]
            if name in NOT_MONEY_OR_DAY or last in NOT_MONEY_OR_DAY:
                continue
            if not MONEY_OR_DAY.search(last):
                continue
            if (template, printed) in PRINTED_AS_IS or _in_input_only(source, printed):
                continue
            found.append(f"{template}: {{{{ {printed} }}}}")
    return found


def test_every_printed_amount_and_date_is_formatted() -> None:
    names = sorted(
        str(path.relative_to(TEMPLATES))
        for path in TEMPLATES.rglob("*.html")
        if not str(path.relative_to(TEMPLATES)).startswith("django/")
    )
    assert len(names) > 100  # the walk found the templates
    found = [problem for name in names for problem in _unformatted(name)]
    assert not found, "\n".join(sorted(set(found)))


def test_the_rule_sees_a_raw_amount_and_a_raw_day() -> None:
    template = engines["django"].from_string(
        "{% load i18n %}{{ p.amount }} {{ p.amount|amount }} {{ p.booking_date }} {{ p.label }}"
        "{% blocktrans with a=p.total d=p.due_date|day %}{{ a }} {{ d }} {{ rate }}"
        "{% endblocktrans %}{{ total }}"
    )
    assert _unformatted("core/_pagination.html", template.template.nodelist, "") == [
        "core/_pagination.html: {{ p.amount }}",
        "core/_pagination.html: {{ p.booking_date }}",
        "core/_pagination.html: {{ a=p.total }}",
        "core/_pagination.html: {{ rate }}",
    ]
