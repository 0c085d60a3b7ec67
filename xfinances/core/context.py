"""Template context shared by every page: the company switcher and the role's permissions."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from xfinances.core.onboarding import signup_allowed
from xfinances.core.queries import memberships_of
from xfinances.core.roles import PERMISSIONS


class _Permissions(dict):
    """`{% if perms_for.parties_change %}`: dots become underscores for the template language."""


def shell(request: HttpRequest) -> dict[str, Any]:
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {"signup_allowed": signup_allowed}  # called only by pages that show the link

    role = getattr(request, "role", None)
    allowed = _Permissions(
        {
            name.replace(".", "_"): role is not None and role in roles
            for name, roles in PERMISSIONS.items()
        }
    )
    return {
        "my_memberships": memberships_of(request.user),
        "company": getattr(request, "company", None),
        "role": role,
        "allowed": allowed,
    }
