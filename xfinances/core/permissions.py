"""Role checks shared by actions, views, the API and the CLI."""

from __future__ import annotations

from django.utils.translation import gettext as _

from xfinances.core.audit import Actor
from xfinances.core.exceptions import NotAllowed
from xfinances.core.models import Company, Membership
from xfinances.core.roles import can


def role_of(user_id: int | None, company: Company) -> str | None:
    if user_id is None:
        return None
    return (
        Membership.objects.filter(company=company, user_id=user_id)
        .values_list("role", flat=True)
        .first()
    )


def ensure_can(actor: Actor, company: Company, permission: str) -> None:
    """Raise NotAllowed unless the actor's role in `company` holds `permission`.

    An actor without a user is the system itself (a scheduled job, an operator's CLI run):
    it may do anything the code asks of it.
    """
    if actor.user is None:
        can(None, permission)  # still reject unknown permission names
        return
    role = role_of(actor.user.pk, company)
    if not can(role, permission):
        raise NotAllowed(_("Your role does not allow this action."))
