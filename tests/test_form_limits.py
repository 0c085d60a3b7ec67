"""Every free-text field of a form has a maximum length (the browser stops typing there and the
form refuses more), so nothing unbounded reaches an action from the UI."""

from __future__ import annotations

import importlib
import inspect

import pytest
from django import forms

FORM_MODULES = [
    "xfinances.core.forms",
    "xfinances.catalog.forms",
    "xfinances.parties.forms",
    "xfinances.invoicing.forms",
    "xfinances.purchases.forms",
    "xfinances.notifications.forms",
    "xfinances.treasury.forms",
]


def _forms():
    for name in FORM_MODULES:
        module = importlib.import_module(name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, forms.BaseForm) and value.__module__ == name:
                yield value


@pytest.mark.parametrize("form_class", list(_forms()), ids=lambda f: f.__qualname__)
def test_every_text_field_has_a_max_length(form_class):
    unbounded = [
        name
        for name, field in form_class.base_fields.items()
        if type(field) is forms.CharField
        and not isinstance(field.widget, forms.HiddenInput | forms.PasswordInput)
        and field.max_length is None
    ]
    assert not unbounded, f"{form_class.__qualname__}: {unbounded}"
