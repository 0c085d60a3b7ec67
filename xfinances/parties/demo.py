"""Demo clients and suppliers: Bulgarian companies with valid ЕИК, VAT numbers and IBANs."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from schwifty import IBAN
from stdnum.bg import egn as stdnum_egn

from xfinances.core.audit import Actor
from xfinances.core.demo import DemoStep
from xfinances.core.identifiers import IdentifierError, clean_eik
from xfinances.core.models import Company, Membership
from xfinances.core.roles import Role
from xfinances.parties.actions import create_party
from xfinances.parties.inputs import PartyInput
from xfinances.parties.models import Party


def eik_from(first8: str) -> str:
    """A valid 9-digit ЕИК: the eight digits given plus the check digit that fits them."""
    for digit in "0123456789":
        try:
            return clean_eik(first8 + digit)
        except IdentifierError:
            continue
    raise ValueError(first8)  # unreachable: one digit always fits


def egn_from(first9: str) -> str:
    return first9 + stdnum_egn.calc_check_digit(first9)


def iban_bg(bank: str, branch: str, account: str) -> str:
    return str(
        IBAN.generate("BG", bank_code=bank, branch_code=branch, account_code=account).compact
    )


def _parties() -> list[dict[str, Any]]:
    techno = eik_from("20212345")
    bulstroy = eik_from("11502341")
    valley = eik_from("10305619")
    megasoft = eik_from("20456789")
    power = eik_from("11505043")
    office = eik_from("13178942")
    trans = eik_from("11706215")
    petrova = eik_from("16034772")
    hotel = eik_from("20398851")
    agro = eik_from("12099437")
    return [
        {
            "name": "„Техномаркет България“ ЕАД",
            "name_latin": "Technomarket Bulgaria EAD",
            "eik": techno,
            "vat_number": "BG" + techno,
            "city": "София",
            "postcode": "1784",
            "address": "бул. „Цариградско шосе“ 115",
            "mol": "Стефан Николов",
            "email": "invoices@technomarket-demo.bg",
            "phone": "+359 2 960 1010",
            "iban": iban_bg("UNCR", "7000", "15203411"),
            "payment_terms_days": 30,
            "tags": ["ключов клиент", "търговия"],
            "sales": True,
            "contacts": [
                {
                    "name": "Десислава Илиева",
                    "position": "Главен счетоводител",
                    "email": "d.ilieva@technomarket-demo.bg",
                    "phone": "+359 888 301 202",
                    "receives_invoices": True,
                    "receives_reminders": True,
                },
                {
                    "name": "Калоян Марков",
                    "position": "Снабдяване",
                    "email": "k.markov@technomarket-demo.bg",
                    "receives_invoices": False,
                },
            ],
        },
        {
            "name": "„Булстрой Инженеринг“ ООД",
            "eik": bulstroy,
            "vat_number": "BG" + bulstroy,
            "city": "Пловдив",
            "postcode": "4000",
            "address": "ул. „Иван Вазов“ 42",
            "mol": "Петър Христов",
            "email": "office@bulstroy-demo.bg",
            "iban": iban_bg("STSA", "9300", "40022117"),
            "payment_terms_days": 14,
            "tags": ["строителство"],
            "sales": True,
            "contacts": [
                {
                    "name": "Радост Георгиева",
                    "position": "Счетоводител",
                    "email": "accounting@bulstroy-demo.bg",
                    "receives_invoices": True,
                    "receives_reminders": True,
                },
            ],
        },
        {
            "name": "„Зелена Долина“ АД",
            "eik": valley,
            "vat_number": "BG" + valley,
            "city": "Варна",
            "postcode": "9000",
            "address": "бул. „Владислав Варненчик“ 258",
            "email": "finance@zelenadolina-demo.bg",
            "iban": iban_bg("FINV", "9150", "12004599"),
            "tags": ["храни"],
            "sales": True,
        },
        {
            "name": "„Мегасофт Решения“ ЕООД",
            "name_latin": "Megasoft Solutions EOOD",
            "eik": megasoft,
            "vat_number": "BG" + megasoft,
            "city": "София",
            "postcode": "1407",
            "address": "ул. „Сребърна“ 16",
            "email": "billing@megasoft-demo.bg",
            "iban": iban_bg("RZBB", "9155", "10447781"),
            "is_client": True,
            "is_supplier": True,
            "payment_terms_days": 10,
            "tags": ["ИТ", "партньор"],
            "notes": "Клиент за консултации и доставчик на лицензи.",
            "sales": True,
            "contacts": [
                {
                    "name": "Виктор Ангелов",
                    "position": "Управител",
                    "email": "v.angelov@megasoft-demo.bg",
                    "phone": "+359 898 777 100",
                    "receives_invoices": True,
                },
            ],
        },
        {
            "name": "„Електроразпределение Юг“ ЕАД",
            "eik": power,
            "vat_number": "BG" + power,
            "city": "Пловдив",
            "postcode": "4000",
            "address": "ул. „Христо Г. Данов“ 37",
            "email": "e-invoice@elyug-demo.bg",
            "iban": iban_bg("UBBS", "8002", "10043362"),
            "is_client": False,
            "is_supplier": True,
            "tags": ["комунални"],
        },
        {
            "name": "„Офис Експрес“ ООД",
            "eik": office,
            "vat_number": "BG" + office,
            "city": "София",
            "postcode": "1000",
            "address": "ул. „Пиротска“ 5",
            "email": "sales@officeexpress-demo.bg",
            "iban": iban_bg("BPBI", "7940", "10281533"),
            "is_client": False,
            "is_supplier": True,
            "payment_terms_days": 7,
            "tags": ["консумативи"],
        },
        {
            "name": "„Транслогистик“ ЕООД",
            "eik": trans,
            "vat_number": "BG" + trans,
            "city": "Русе",
            "postcode": "7000",
            "address": "бул. „Липник“ 117",
            "email": "docs@translogistic-demo.bg",
            "iban": iban_bg("CECB", "9790", "10117420"),
            "is_client": False,
            "is_supplier": True,
            "tags": ["транспорт"],
        },
        {
            "name": "ЕТ „Счетоводна кантора Петрова“",
            "eik": petrova,
            "city": "София",
            "postcode": "1309",
            "address": "ж.к. „Илинден“ бл. 120, вх. Б",
            "mol": "Анна Петрова",
            "email": "anna@petrova-demo.bg",
            "iban": iban_bg("STSA", "9300", "40099881"),
            "is_client": False,
            "is_supplier": True,
            "notes": "Не е регистрирана по ЗДДС.",
        },
        {
            "name": "„Хотел Морско Око“ ООД",
            "eik": hotel,
            "vat_number": "BG" + hotel,
            "city": "Бургас",
            "postcode": "8000",
            "address": "ул. „Александровска“ 2",
            "email": "reception@morskooko-demo.bg",
            "iban": iban_bg("UNCR", "7000", "15209944"),
            "payment_terms_days": 5,
            "tags": ["туризъм"],
            "sales": True,
        },
        {
            "name": "„Агро Инвест Добруджа“ АД",
            "eik": agro,
            "vat_number": "BG" + agro,
            "city": "Добрич",
            "postcode": "9300",
            "address": "ул. „25 септември“ 64",
            "email": "office@agroinvest-demo.bg",
            "iban": iban_bg("FINV", "9150", "12007733"),
            "is_client": True,
            "is_supplier": True,
            "tags": ["земеделие"],
            "sales": True,
        },
        {
            "name": "Müller Maschinenbau GmbH",
            "kind": "company",
            "country": "DE",
            "vat_number": "DE136695976",
            "city": "Stuttgart",
            "postcode": "70173",
            "address": "Königstraße 28",
            "email": "buchhaltung@mueller-demo.de",
            "iban": "DE89370400440532013000",
            "language": "en",
            "payment_terms_days": 30,
            "tags": ["EU", "export"],
            "sales": True,
            "contacts": [
                {
                    "name": "Sabine Müller",
                    "position": "Accounts payable",
                    "email": "s.mueller@mueller-demo.de",
                    "receives_invoices": True,
                    "receives_reminders": True,
                },
            ],
        },
        {
            "name": "Alpenland Handels GmbH",
            "country": "AT",
            "vat_number": "ATU13585627",
            "city": "Wien",
            "postcode": "1010",
            "address": "Kärntner Straße 12",
            "email": "office@alpenland-demo.at",
            "language": "bg-en",
            "tags": ["EU"],
        },
        {
            "name": "Иван Стоянов Петров",
            "kind": "person",
            "egn": egn_from("850315123"),
            "city": "Велико Търново",
            "postcode": "5000",
            "address": "ул. „Независимост“ 9",
            "email": "ivan.petrov@example.bg",
            "phone": "+359 887 456 789",
        },
    ]


def load(actor: Actor, company: Company, progress: Callable[[str], object]) -> None:
    """Add the demo clients and suppliers to `company` (skipped when it already has parties)."""

    if Party.objects.filter(company=company).exists():
        return
    progress("Adding clients and suppliers …")
    sales = (
        Membership.objects.filter(company=company, role=Role.SALES)
        .select_related("user")
        .order_by("id")
        .first()
    )
    for data in _parties():
        data = dict(data)
        if data.pop("sales", False) and sales is not None:
            data["responsible"] = sales.user
        create_party(actor, company, PartyInput.read(data))


def step() -> DemoStep:
    return DemoStep(order=10, name="parties", load=load)
