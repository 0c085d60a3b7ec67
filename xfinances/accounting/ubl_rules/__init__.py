"""The EN 16931 business rules of a UBL 2.1 invoice or credit note that can be checked offline,
in plain Python (pure: bytes in, messages out).

The official rules are Schematron with XSLT 2 (CEN-EN16931-UBL.sch, PEPPOL-EN16931-UBL.sch);
running them needs Saxon. This module checks the subset that decides whether a receiver can book
the document: mandatory fields (BR-01 … BR-16, lines BR-21 … BR-27, VAT breakdown BR-45 … BR-48,
payment BR-49/50/61, preceding invoice BR-55), the totals (BR-CO-10 … BR-CO-17), the VAT
category rules (BR-S, BR-Z, BR-E, BR-AE, BR-IC for K, BR-G, BR-O: presence in the breakdown,
seller/buyer identifiers, line rates, taxable and tax amounts, exemption reasons), decimals
(BR-DEC) and the VAT identifier prefix (BR-CO-09). `check_peppol` (peppol.py) adds the Peppol
BIS Billing 3.0 rules our export must meet (R001 … R120 as listed there).

Every message starts with the rule id in brackets, e.g. "[BR-CO-10] …", for logs and tests; they
are technical texts for developers and receivers' support, not shown to users, so not translated.

Modules: `common` (namespaces, guarded parser, readers, the VAT category table), `en16931`
(`check_en16931`), `categories` (the per-category rules), `peppol` (`check_peppol`).
"""

from xfinances.accounting.ubl_rules.en16931 import check_en16931
from xfinances.accounting.ubl_rules.peppol import check_peppol

__all__ = ["check_en16931", "check_peppol"]
