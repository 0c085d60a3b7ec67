"""Who a command-line run acts as, and for which company.

Commands that change company data take `--company ЕИК` and `--user E-MAIL`. With `--user` the
run acts with that member's role, exactly like the UI and the API (an action refuses what the
role may not do). Without it the run is the operator's own ("system"), as for a cron job set up
by whoever installed XFINANCES.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError

from xfinances.core.audit import Actor
from xfinances.core.exceptions import InvalidInput, NotAllowed
from xfinances.core.models import Company, Membership, Source


def add_company_arguments(parser: Any) -> None:
    parser.add_argument("--company", required=True, help="the company's ЕИК")
    parser.add_argument(
        "--user",
        default="",
        help="act as this member (its role applies); without it the run acts as the operator",
    )


def company_and_actor(options: dict[str, Any]) -> tuple[Company, Actor]:
    eik = str(options["company"]).strip()
    company = Company.objects.filter(eik=eik, is_active=True).first()
    if company is None:
        raise CommandError(f"No company with ЕИК {eik}.")
    email = str(options.get("user") or "").strip().lower()
    if not email:
        return company, Actor.system(Source.CLI)
    membership = (
        Membership.objects.select_related("user")
        .filter(company=company, user__email=email, user__is_active=True)
        .first()
    )
    if membership is None:
        raise CommandError(f"{email} is not an active member of {company.name}.")
    return company, Actor(membership.user, Source.CLI)


def action_error(error: Exception, *, named: bool = False) -> CommandError:
    """A refused action as the command's error: the input's messages joined (`named`: each
    after its field, `amount: Only 0.40 EUR is left.`), a role's refusal with a default text,
    any other refusal as it says."""
    if isinstance(error, InvalidInput):
        if named:
            return CommandError(str(error))
        return CommandError("; ".join(" ".join(v) for v in error.errors.values()))
    if isinstance(error, NotAllowed):
        return CommandError(str(error) or "Your role does not allow this action.")
    return CommandError(str(error))
