"""The batch key's hash of document versions, fed one document at a time, is the hash every
batch so far was keyed by (`repr` of the sorted (source, id) → version map): keys stay the
same, so an export of unchanged data finds its batch."""

from __future__ import annotations

import hashlib

from hypothesis import given
from hypothesis import strategies as st

from xfinances.accounting.actions.exporting import VersionsDigest

SOURCES = st.sampled_from(
    ["invoicing.Document", "purchases.SupplierInvoice", "payments.Payment", "treasury.Movement"]
)


def whole_map_hash(written: dict[tuple[str, int], int]) -> str:
    """How the key was hashed before it was fed incrementally."""
    return hashlib.sha256(repr(sorted(written.items())).encode()).hexdigest()[:16]


@given(st.dictionaries(st.tuples(SOURCES, st.integers(1, 2**62)), st.integers(0, 2**31)))
def test_fed_in_order_it_equals_the_whole_map_hash(written: dict[tuple[str, int], int]) -> None:
    digest = VersionsDigest()
    for (source, oid), version in sorted(written.items()):
        digest.add(source, oid, version)
    assert digest.hexdigest() == whole_map_hash(written)


def test_known_keys_do_not_change() -> None:
    # Pinned from the hash of the whole map: no batch stored so far may get a new key.
    assert whole_map_hash({}) == VersionsDigest().hexdigest() == "4f53cda18c2baa0c"
    digest = VersionsDigest()
    digest.add("invoicing.Document", 7, 1)
    digest.add("invoicing.Document", 12, 3)
    digest.add("purchases.SupplierInvoice", 2, 1)
    expected = whole_map_hash(
        {("purchases.SupplierInvoice", 2): 1, ("invoicing.Document", 12): 3,
         ("invoicing.Document", 7): 1}
    )  # fmt: skip
    assert digest.hexdigest() == expected == "39ed853f92464c21"
    assert digest.hexdigest() == digest.hexdigest()  # reading it does not feed it
