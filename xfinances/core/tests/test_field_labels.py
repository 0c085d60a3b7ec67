"""Every field of every model has a Bulgarian label for the histories (`core.history.label`):
its own verbose_name, or the shared label of its name in `core.field_labels`. A field added
without either fails here, before "Recipient eik" reaches a document's history in Bulgarian."""

from __future__ import annotations

import re

from django.apps import apps
from django.utils import translation

from xfinances.core.field_labels import FIELD_LABELS
from xfinances.core.history import label, readable_changes
from xfinances.core.models import AuditEntry
from xfinances.core.tests.test_event_detail_labels import event_detail_keys

CYRILLIC = re.compile("[а-яА-Я]")
# Names that are the same in Bulgarian.
AS_THEY_ARE = {"ID", "IBAN", "BIC", "URL", "HTML", "Message-ID"}


def _fields() -> list[tuple[type, str, bool]]:
    """(model, field name, has its own verbose_name) of every concrete field of our models."""
    found = []
    for model in apps.get_models():
        if not model.__module__.startswith("xfinances."):
            continue
        for field in model._meta.concrete_fields:
            own = str(field.verbose_name) != field.name.replace("_", " ")
            found.append((model, field.name, own))
    return found


def test_every_field_has_a_bulgarian_label():
    with translation.override("bg"):
        missing = [
            f"{model._meta.label}.{name}: {label(model, name)!r}"
            for model, name, _own in _fields()
            if not CYRILLIC.search(label(model, name)) and label(model, name) not in AS_THEY_ARE
        ]
    assert not missing, (
        "Give these fields a verbose_name or a label in core/field_labels.py (and its "
        "Bulgarian in django.po):\n" + "\n".join(missing)
    )


def test_every_shared_label_names_a_field_that_needs_it():
    """A field without its own verbose_name, or a detail an audit event records."""
    needed = {name for _model, name, own in _fields() if not own} | set(event_detail_keys())
    assert not set(FIELD_LABELS) - needed, sorted(set(FIELD_LABELS) - needed)


def test_the_english_history_reads_the_shared_label():
    document = apps.get_model("invoicing", "Document")
    with translation.override("en"):
        assert label(document, "recipient_eik") == "Recipient's EIK"
    with translation.override("bg"):
        assert label(document, "recipient_eik") == "ЕИК на получателя"
        assert label(document, "amount_in_words") == "Словом"


def test_a_change_reads_as_words_and_a_creation_shows_what_was_filled():
    """A choice shows its name, not its stored value; a creation leaves out the empty fields."""
    party_model = apps.get_model("parties", "Party")
    created = AuditEntry(
        object_type="parties.party",
        kind="create",
        changes={
            "kind": [None, "company"],
            "notes": [None, ""],
            "is_client": [None, True],
            "is_supplier": [None, False],
            "payment_terms_days": [None, 0],
            "search_text": [None, "x"],
        },
    )
    with translation.override("bg"):
        shown = readable_changes(created)  # the search index is never shown
        kind_label = str(dict(party_model._meta.get_field("kind").flatchoices)["company"])
        terms = label(party_model, "payment_terms_days")
    assert [(c.label, c.after) for c in shown] == [
        ("Вид", kind_label),
        ("Клиент", "Да"),
        (terms, "0"),
    ]
    assert kind_label != "company"
    event = AuditEntry(
        object_type="parties.party",
        kind="event",
        changes={"total": [None, "1200.00"], "rate": [None, "1.95583000"]},
    )
    with translation.override("bg"):
        assert [c.after for c in readable_changes(event)] == ["1\u00a0200,00", "1,95583"]
    changed = AuditEntry(object_type="parties.party", kind="update", changes={"notes": ["", "x"]})
    assert [(c.before, c.after) for c in readable_changes(changed)] == [("—", "x")]
