"""The VAT treatments every company starts with (ЗДДС; the domain notes on Bulgarian invoicing).

Pure data, shared by the seeding action and the data migration. Rates and bases change by
law: companies edit their own copies; this table only seeds missing codes.

`nap_column` is the PRODAGBI (sales ledger) column that receives the tax base. It is left empty
where the domain notes name no single base column (domestic reverse charge, чл. 82, ал. 2; a
non-registered issuer keeps no ledger): the company's accountant sets it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

DEFAULT_VAT_TREATMENTS: list[dict[str, Any]] = [
    {
        "code": "standard",
        "name": "Стандартна ставка 20 %",
        "name_en": "Standard rate 20 %",
        "rate": Decimal("20.00"),
        "legal_basis": "",
        "reverse_charge": False,
        "nap_column": "02-11",
        "sort_order": 10,
    },
    {
        "code": "accommodation",
        "name": "Настаняване 9 %",
        "name_en": "Hotel accommodation 9 %",
        "rate": Decimal("9.00"),
        "legal_basis": "",
        "reverse_charge": False,
        "nap_column": "02-13",
        "sort_order": 20,
    },
    {
        "code": "export",
        "name": "Износ извън ЕС 0 %",
        "name_en": "Export outside the EU 0 %",
        "rate": Decimal("0.00"),
        "legal_basis": "чл. 28 от ЗДДС",
        "reverse_charge": False,
        "nap_column": "02-14",
        "sort_order": 30,
    },
    {
        "code": "eu_goods",
        "name": "ВОД – вътреобщностна доставка 0 %",
        "name_en": "Intra-EU supply of goods 0 %",
        "rate": Decimal("0.00"),
        "legal_basis": "чл. 53, ал. 1 от ЗДДС",
        "reverse_charge": False,
        "nap_column": "02-15",
        "sort_order": 40,
    },
    {
        "code": "eu_services",
        "name": "Услуга за ЕС (B2B), обратно начисляване",
        "name_en": "B2B service to the EU, reverse charge",
        "rate": None,
        "legal_basis": "чл. 21, ал. 2 от ЗДДС – обратно начисляване",
        "reverse_charge": True,
        "nap_column": "02-17",
        "sort_order": 50,
    },
    {
        "code": "domestic_reverse_charge",
        "name": "Обратно начисляване (Приложение 2)",
        "name_en": "Domestic reverse charge (Annex 2 goods)",
        "rate": None,
        "legal_basis": "чл. 163а, ал. 2 от ЗДДС – обратно начисляване",
        "reverse_charge": True,
        "nap_column": "",
        "sort_order": 60,
    },
    {
        "code": "recipient_liable",
        "name": "Получателят дължи данъка (чл. 82, ал. 2)",
        "name_en": "Recipient liable for VAT (art. 82(2))",
        "rate": None,
        "legal_basis": "чл. 82, ал. 2 от ЗДДС",
        "reverse_charge": True,
        "nap_column": "",
        "sort_order": 70,
    },
    {
        "code": "exempt",
        "name": "Освободена доставка",
        "name_en": "Exempt supply",
        "rate": None,
        "legal_basis": "чл. 45 от ЗДДС",
        "reverse_charge": False,
        "nap_column": "02-19",
        "sort_order": 80,
    },
    {
        "code": "not_registered",
        "name": "Не е регистриран по ЗДДС",
        "name_en": "Issuer not VAT registered",
        "rate": None,
        "legal_basis": "чл. 113, ал. 9 от ЗДДС",
        "reverse_charge": False,
        "nap_column": "",
        "sort_order": 90,
    },
]
