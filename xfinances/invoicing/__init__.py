"""Sales documents: invoices, proformas, credit and debit notes, protocols.

The modules here are pure (no database) and are the foundations the document models build on:

- `words`: the amount in words ("Словом") in Bulgarian and English.
- `totals`: line nets, discounts, tax base and VAT per rate, document totals, EUR figures.
- `creditor_reference`: ISO 11649 RF creditor references for payment matching.
- `epc_qr`: the EPC069-12 payment QR code ("GiroCode").
"""
