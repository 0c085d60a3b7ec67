"""An action given a field it does not know fails loudly instead of ignoring it."""

import pytest

from xfinances.core.arguments import ensure_known_fields
from xfinances.core.audit import Actor
from xfinances.core.models import Source
from xfinances.parties import actions as party_actions


def test_unknown_fields_are_a_type_error_naming_them():
    ensure_known_fields({"name": "x"}, ["name", "city"], "party")
    with pytest.raises(TypeError, match=r"unknown party fields: \['colour', 'size'\]"):
        ensure_known_fields({"name": "x", "size": 1, "colour": 2}, ["name"], "party")


def test_actions_refuse_unknown_fields_before_writing(company):
    from xfinances.parties.models import Party

    with pytest.raises(TypeError, match="nickname"):
        party_actions.create_party(
            Actor.system(Source.CLI), company, name="Алфа ООД", nickname="алфи"
        )
    assert not Party.objects.filter(company=company, name="Алфа ООД").exists()
