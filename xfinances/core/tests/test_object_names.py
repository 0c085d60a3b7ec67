"""An object's name (`__str__`) is what histories, the audit log and pickers show: its dates and
amounts read as the page's language writes them (`05.03.2026`, `1 234,50`), never as a program
stores them (`2026-03-05`, `1234.50`). Every model of ours is built in memory with a date, a
time and an amount in each such field (and its related objects likewise), and its name is read
in Bulgarian."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from django.apps import apps
from django.db import models
from django.utils import timezone, translation

DAY = dt.date(2026, 3, 5)
MOMENT = timezone.make_aware(dt.datetime(2026, 3, 5, 14, 30))
AMOUNT = Decimal("1234.50")
RAW = re.compile(r"\b\d{4}-\d{2}\b|\b\d{4,}\.\d+\b")
PERIOD = "202603"


def _value(field: models.Field[Any, Any]) -> Any:
    if field.choices:
        return field.flatchoices[0][0]
    if isinstance(field, models.DateTimeField):
        return MOMENT
    if isinstance(field, models.DateField):
        return DAY
    if isinstance(field, models.DecimalField):
        return AMOUNT
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.IntegerField | models.AutoField):
        return 7
    if field.name == "period":
        return PERIOD
    if isinstance(field, models.CharField | models.TextField):
        return "Име"
    return None


def built(model: type[models.Model], depth: int = 2) -> models.Model:
    instance = model()
    for field in model._meta.concrete_fields:
        if isinstance(field, models.ForeignKey):
            related = field.related_model
            if depth > 0 and isinstance(related, type):
                setattr(instance, field.name, built(related, depth - 1))
            continue
        value = _value(field)
        if value is not None:
            setattr(instance, field.attname, value)
    return instance


def test_no_object_is_named_with_a_raw_date_or_amount() -> None:
    found = []
    with translation.override("bg"):
        for model in apps.get_models():
            if not model.__module__.startswith("xfinances."):
                continue
            if "__str__" not in vars(model):
                continue
            name = str(built(model))
            if RAW.search(name) or PERIOD in name:
                found.append(f"{model._meta.label}: {name!r}")
    assert not found, "Name these through core.formatting:\n" + "\n".join(found)
