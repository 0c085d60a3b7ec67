"""Products and services, units, and VAT treatments (rate + legal basis) of each company."""
