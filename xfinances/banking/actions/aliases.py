"""What the review queue learned: an IBAN or a bank-side name is a party (`PartyAlias`,
taught by each confirmation). A wrong one — learned from a match that was undone, or a shared
account — sends the next payments to the wrong party, so a person may forget it."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from xfinances.banking.models import PartyAlias
from xfinances.core import audit
from xfinances.core.audit import Actor
from xfinances.core.permissions import ensure_can


@transaction.atomic
def forget_alias(actor: Actor, alias: PartyAlias, *, reason: str = "") -> None:
    """Forget one learned IBAN or name: the next line from it is recognised anew (by the
    party's own bank accounts and identifiers, or a new confirmation)."""
    company = alias.company
    ensure_can(actor, company, "payments.change")
    alias = PartyAlias.objects.select_for_update().get(pk=alias.pk, company=company)
    audit.record_delete(
        actor, company, "forget_alias", alias, reason.strip() or _("Learned wrongly")
    )
    alias.delete()
