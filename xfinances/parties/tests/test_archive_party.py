"""archive_party / restore_party: soft delete for owner and accountant only, audited."""

from __future__ import annotations

import pytest

from xfinances.core.audit import Actor, history
from xfinances.core.exceptions import NotAllowed
from xfinances.core.models import AuditEntry, Source
from xfinances.parties import queries
from xfinances.parties.actions import archive_party, restore_party
from xfinances.parties.models import Party


def test_archive_hides_keeps_row_and_audits(company, make_member, make_party):
    party = make_party(name="Архив ООД")
    accountant = make_member(company, "accountant")
    archive_party(Actor(accountant, Source.UI), party, reason="закрита фирма")
    party.refresh_from_db()
    assert party.is_archived and party.archived_at is not None
    assert Party.objects.filter(pk=party.pk).exists()
    assert party not in queries.parties(company)
    assert party in queries.parties(company, archived=True)
    assert queries.counts(company) == {"clients": 0, "suppliers": 0}
    entry = history(company, party).get(action="archive_party")
    assert entry.kind == AuditEntry.Kind.UPDATE and entry.reason == "закрита фирма"
    assert entry.changes["is_archived"] == [False, True]

    restore_party(Actor(accountant, Source.UI), party)
    party.refresh_from_db()
    assert not party.is_archived
    assert history(company, party).get(action="restore_party").changes["is_archived"] == [
        True,
        False,
    ]


def test_archive_twice_writes_one_row(company, actor_system, make_party):
    party = make_party()
    archive_party(actor_system, party)
    archive_party(actor_system, party)
    assert history(company, party).filter(action="archive_party").count() == 1


@pytest.mark.parametrize("role", ["sales", "purchasing", "viewer"])
def test_other_roles_may_not_archive(company, make_member, make_party, role):
    party = make_party()
    with pytest.raises(NotAllowed):
        archive_party(Actor(make_member(company, role), Source.UI), party)
    party.refresh_from_db()
    assert not party.is_archived


def test_counts_for_dashboard(make_party):
    make_party(is_client=True)
    make_party(is_client=True, is_supplier=True)
    party = make_party(is_client=False, is_supplier=True)
    assert queries.counts(party.company) == {"clients": 2, "suppliers": 2}
