"""The data migration that gives companies made before the company-created hook their levels."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from xfinances.core.models import AuditEntry, Company
from xfinances.payments.models import DunningLevel

seed = importlib.import_module("xfinances.payments.migrations.0008_seed_reminder_levels")


def _bare_company(eik: str) -> Company:
    """A company as the old code left it: no reminder levels (made without the hook)."""
    return Company.objects.create(name=f"Old {eik}", eik=eik)


@pytest.mark.django_db
def test_a_company_without_levels_gets_the_usual_ones_switched_off() -> None:
    company = _bare_company("900000004")

    seed.seed_levels(apps, None)

    levels = DunningLevel.objects.filter(company=company).order_by("days_after_due")
    assert [level.days_after_due for level in levels] == [-3, 3, 15, 30, 45]
    assert levels[0].name_en == "Friendly notice"
    # An existing company never agreed to e-mail its clients: nothing is sent until it says so.
    assert not any(level.is_active for level in levels)


@pytest.mark.django_db
def test_levels_a_company_has_or_deleted_are_left_alone(company: Company) -> None:
    own = DunningLevel.objects.filter(company=company)
    own_ids = sorted(own.values_list("pk", flat=True))
    assert own_ids  # the company-created hook seeded them
    deleted_all = _bare_company("900000011")
    AuditEntry.objects.create(
        company=deleted_all,
        source="ui",
        kind=AuditEntry.Kind.DELETE,
        action="delete_level",
        object_type="payments.dunninglevel",
        object_id="1",
        object_repr="Първо напомняне",
    )

    seed.seed_levels(apps, None)

    assert sorted(DunningLevel.objects.filter(company=company).values_list("pk", flat=True)) == (
        own_ids
    )
    assert not DunningLevel.objects.filter(company=deleted_all).exists()
