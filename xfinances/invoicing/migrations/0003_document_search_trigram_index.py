"""A trigram index for the documents list's search, on PostgreSQL only.

`q` filters with `search_text LIKE '%term%'`. With only the (company, issue date) index, a term
that few documents match makes PostgreSQL read every document of the company: 420 ms on a
million. A GIN index of the trigrams of `search_text` (pg_trgm), led by the company (btree_gin),
answers it in under a millisecond; a common term still walks the date index and stops at the page.

Both extensions are "trusted" (PostgreSQL 13+), so the database owner may create them. Where the
server refuses them anyway (some hosted databases), the migration says so and goes on: search
works without the index, only slower on a rare term. SQLite has no such index; nothing is done.
"""

from django.db import DatabaseError, migrations, transaction

INDEX = "document_search_trigram"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gin")
    except DatabaseError as error:
        print(f"\n  {INDEX}: skipped, the database refused pg_trgm/btree_gin ({error}).")
        return
    # CONCURRENTLY: an install with many documents keeps issuing while the index builds (8 s
    # on a million). A build that failed half-way leaves an invalid index: drop it, build anew.
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.indisvalid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
            " WHERE c.relname = %s",
            [INDEX],
        )
        found = cursor.fetchone()
    if found is not None and not found[0]:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY {INDEX}")
    schema_editor.execute(
        f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {INDEX} ON invoicing_document "
        "USING gin (company_id, search_text gin_trgm_ops)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run inside a transaction

    dependencies = [("invoicing", "0002_document_bank_account_ids_and_more")]

    operations = [migrations.RunPython(create_index, drop_index)]
