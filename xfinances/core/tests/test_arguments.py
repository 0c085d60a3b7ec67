"""An action given a field it does not know fails loudly instead of ignoring it."""

import pytest

from xfinances.core.arguments import ensure_known_fields


def test_unknown_fields_are_a_type_error_naming_them():
    ensure_known_fields({"name": "x"}, ["name", "city"], "party")
    with pytest.raises(TypeError, match=r"unknown party fields: \['colour', 'size'\]"):
        ensure_known_fields({"name": "x", "size": 1, "colour": 2}, ["name"], "party")
