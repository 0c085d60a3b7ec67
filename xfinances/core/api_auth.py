"""Bearer-token authentication and company selection for the REST API."""

from __future__ import annotations

from typing import Any, cast

from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.errors import HttpError
from ninja.security import HttpBearer

from xfinances.core.audit import Actor
from xfinances.core.models import ApiToken, Membership, Source, hash_token
from xfinances.core.roles import can
from xfinances.core.tenancy import CompanyRequest, client_ip


class TokenAuth(HttpBearer):
    """`Authorization: Bearer <token>`; `X-Company: <ЕИК>` picks the company when the user has
    several. Sets request.company, request.role and request.actor."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        found = ApiToken.objects.select_related("user").filter(token_hash=hash_token(token)).first()
        if found is None or not found.is_usable or not found.user.is_active:
            return None
        now = timezone.now()
        if found.last_used_at is None or (now - found.last_used_at).total_seconds() > 60:
            ApiToken.objects.filter(pk=found.pk).update(last_used_at=now)
        user = found.user
        memberships = Membership.objects.select_related("company").filter(
            user=user, company__is_active=True
        )
        wanted = request.headers.get("X-Company", "").strip()
        if wanted:
            membership = memberships.filter(company__eik=wanted).first()
            if membership is None:
                raise Http404(_("No such company."))
        else:
            choices = list(memberships[:2])
            if not choices:
                raise HttpError(403, _("This user belongs to no company."))
            if len(choices) > 1:
                raise HttpError(
                    400,
                    _("You belong to several companies: send the X-Company header with the ЕИК."),
                )
            membership = choices[0]
        scoped = cast(CompanyRequest, request)
        scoped.user = user
        scoped.company = membership.company
        scoped.role = membership.role
        scoped.actor = Actor(user, Source.API, client_ip(request))
        return user


def require(request: HttpRequest, permission: str) -> None:
    """403 unless the token's role in the chosen company holds `permission`."""
    if not can(getattr(request, "role", None), permission):
        raise HttpError(403, _("Your role does not allow this action."))
