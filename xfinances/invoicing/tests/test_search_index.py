"""The documents list's search has a trigram index on PostgreSQL (migration 0003).

That the planner uses it on a million documents is measured by the list benchmark's "rare
search" case (bench/invoicing.py): on a test-sized table it rightly reads the table instead."""

from __future__ import annotations

import pytest
from django.db import connection

from xfinances.invoicing import queries
from xfinances.invoicing.tests.factories import bg_client, issued


@pytest.mark.postgres
def test_search_has_a_trigram_index_led_by_the_company(company):
    if connection.vendor != "postgresql":
        pytest.skip("NEEDS POSTGRESQL: set DATABASE_URL=postgres://… to check the trigram index")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE indexname = 'document_search_trigram'"
        )
        (definition,) = cursor.fetchone()
    assert "USING gin (company_id, search_text gin_trgm_ops)" in definition

    wanted = issued(company, party=bg_client(company, name="Рядкоиме Трейд ООД"))
    issued(company)
    found = queries.documents(company, q="РЯДКОИМ")
    assert list(found.values_list("pk", flat=True)) == [wanted.pk]
