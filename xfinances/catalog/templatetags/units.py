"""`{{ line.unit|unit_name }}`: a stored unit code ("pcs", "h") as the active language prints it
("бр.", "ч" in Bulgarian)."""

from __future__ import annotations

from django import template
from django.utils import translation

from xfinances.catalog.models import unit_print_name

register = template.Library()


@register.filter
def unit_name(code: str | None) -> str:
    language = (translation.get_language() or "bg").split("-")[0]
    return unit_print_name(code or "", "en" if language == "en" else "bg")
