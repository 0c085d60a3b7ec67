"""An action given a field it does not know fails loudly, before it writes anything."""

import pytest

from xfinances.core.audit import Actor
from xfinances.core.models import Source
from xfinances.parties import actions as party_actions
from xfinances.parties.models import Party
from xfinances.parties.tests.factories import party_input


def test_actions_refuse_unknown_fields_before_writing(company):
    with pytest.raises(TypeError, match="nickname"):
        party_actions.create_party(
            Actor.system(Source.CLI), company, party_input(name="Алфа ООД", nickname="алфи")
        )
    assert not Party.objects.filter(company=company, name="Алфа ООД").exists()
