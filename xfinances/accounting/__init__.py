"""Accounting: exports, VAT ledgers, e-invoices (docs/ARCHITECTURE.md)."""
