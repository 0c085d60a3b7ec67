"""`xfinances createcompany --eik EIK --name NAME [--vat VAT] [--iban IBAN]`."""

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from xfinances.core import actions
from xfinances.core.audit import Actor
from xfinances.core.company_inputs import NewCompanyInput
from xfinances.core.exceptions import Conflict, InvalidInput
from xfinances.core.models import Source


class Command(BaseCommand):
    help = "Create a company (tenant)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--eik", required=True, help="ЕИК, 9 or 13 digits")
        parser.add_argument("--name", required=True, help="legal name")
        parser.add_argument(
            "--vat", default="", help="VAT number, e.g. BG123456789 (omit if not registered)"
        )
        parser.add_argument("--iban", default="", help="the company's main bank account")
        parser.add_argument("--city", default="")
        parser.add_argument("--address", default="")
        parser.add_argument("--mol", default="", help="МОЛ (person responsible)")

    def handle(self, *args: Any, **o: Any) -> None:
        try:
            company = actions.create_company(
                Actor.system(Source.CLI),
                NewCompanyInput.read(
                    {
                        "eik": o["eik"],
                        "name": o["name"],
                        "vat_number": o["vat"],
                        "iban": o["iban"],
                        "city": o["city"],
                        "address": o["address"],
                        "mol": o["mol"],
                    }
                ),
            )
        except InvalidInput as error:
            raise CommandError("; ".join(f"{k}: {' '.join(v)}" for k, v in error.errors.items()))
        except Conflict as error:
            raise CommandError(error.message)
        self.stdout.write(
            self.style.SUCCESS(f"Created company {company.name} (ЕИК {company.eik}).")
        )
