"""`xfinances createuser --email E --password P --company EIK --role ROLE`."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xfinances.core import actions
from xfinances.core.audit import Actor
from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.models import Company, Membership, Source, User
from xfinances.core.roles import Role


class Command(BaseCommand):
    help = "Create a user (or reuse an existing one) and give it a role in a company."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--email", required=True)
        parser.add_argument("--password", required=True)
        parser.add_argument("--company", required=True, help="the company's ЕИК")
        parser.add_argument("--role", required=True, choices=Role.values)
        parser.add_argument("--name", default="", help="full name")

    def handle(self, *args: Any, **o: Any) -> None:
        company = Company.objects.filter(eik=o["company"].strip()).first()
        if company is None:
            raise CommandError(f"No company with ЕИК {o['company']}.")
        actor = Actor.system(Source.CLI)
        try:
            user = User.objects.filter(email=o["email"].strip().lower()).first()
            if user is None:
                user = actions.create_user(
                    actor, email=o["email"], password=o["password"], full_name=o["name"]
                )
            if Membership.objects.filter(company=company, user=user).exists():
                raise CommandError(f"{user.email} is already a member of {company.name}.")
            actions.add_member(actor, company, email=user.email, role=o["role"])
        except InvalidInput as error:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in error.errors.items()))
        except Conflict as error:
            raise CommandError(error.message)
        self.stdout.write(self.style.SUCCESS(f"{user.email} is now {o['role']} of {company.name}."))
