"""Every text column of the product's models has a maximum length, the database enforces it for
TextFields, and an over-long value is a field error (never a 500 or an IntegrityError) whichever
way it arrives: a model save, a bulk insert, the API.

The walk below fails for the next text field added without a limit."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.db import IntegrityError, models, transaction

from xfinances.core.bulk_insert import insert_rows
from xfinances.core.exceptions import InvalidInput
from xfinances.core.text_limits import BoundedText, text_fields

# Every app with models (issue 11): the walk below covers them all.
APPS = (
    "core",
    "parties",
    "catalog",
    "invoicing",
    "purchases",
    "payments",
    "treasury",
    "notifications",
    "portal",
    "banking",
    "accounting",
)
# Not typed by anyone: built by the product from bounded fields (search indexes).
DERIVED = {
    "parties.Party.search_text",
    "catalog.Product.search_text",
    "invoicing.Document.search_text",
}
# Deliberately long, still bounded: templates and the texts of e-mails and reminders.
LONG_TEXT_LIMIT = 2000
LONG_TEXT = {
    "invoicing.PrintSettings.custom_template",
    "payments.DunningLevel.body_bg",
    "payments.DunningLevel.body_en",
    "notifications.EmailTemplate.body_text",
    "notifications.EmailTemplate.body_html",
    "notifications.OutboxMessage.last_error",
    "accounting.Destination.last_error",
    "accounting.ExportBatch.error",
    "accounting.DocumentExport.error",
    "banking.StatementMailbox.oauth_refresh_token",  # sealed; Microsoft's tokens run long
}


def _models():
    for label in APPS:
        yield from apps.get_app_config(label).get_models()


def _text_columns():
    for model in _models():
        for field in model._meta.concrete_fields:
            if isinstance(field, models.CharField | models.TextField):
                yield f"{model._meta.app_label}.{model.__name__}.{field.name}", model, field


def _checked_length(model, name):
    """The limit of `name`'s length CHECK constraint on `model`, or None."""
    for constraint in model._meta.constraints:
        condition = getattr(constraint, "condition", None)
        if constraint.name.endswith(f"_{name}_length") and condition is not None:
            length, limit = condition.lhs, condition.rhs
            if [getattr(e, "name", None) for e in length.get_source_expressions()] == [name]:
                return limit
    return None


@pytest.mark.parametrize("model", list(_models()), ids=lambda m: m._meta.label)
def test_every_model_checks_its_text_on_save(model):
    assert issubclass(model, BoundedText), f"{model._meta.label} bypasses the length check"


def test_every_text_field_has_a_limit():
    unbounded, unchecked, long_unlisted = [], [], []
    for label, model, field in _text_columns():
        if label in DERIVED:
            continue
        if field.max_length is None:
            unbounded.append(label)
            continue
        if isinstance(field, models.TextField) and _checked_length(model, field.name) != (
            field.max_length
        ):
            unchecked.append(label)
        if field.max_length > LONG_TEXT_LIMIT and label not in LONG_TEXT:
            long_unlisted.append(f"{label} ({field.max_length})")
    assert not unbounded, f"text fields without max_length: {unbounded}"
    assert not unchecked, f"TextFields without a matching text_length_check: {unchecked}"
    assert not long_unlisted, f"limits above {LONG_TEXT_LIMIT} not in LONG_TEXT: {long_unlisted}"


def test_the_allow_lists_name_real_fields():
    labels = {label for label, _, _ in _text_columns()}
    assert labels >= (DERIVED | LONG_TEXT)


def test_an_over_long_name_is_a_field_error_and_nothing_is_saved(company):
    from xfinances.parties.models import Party

    party = Party(company=company, name="Я" * 5000, notes="n" * 2001)
    with pytest.raises(InvalidInput) as refused:
        party.save()
    assert set(refused.value.errors) == {"name", "notes"}
    assert "200" in refused.value.errors["name"][0]
    assert "5000" in refused.value.errors["name"][0]
    assert not Party.objects.filter(company=company).exists()


def test_text_at_the_limit_is_kept(company):
    from xfinances.parties.models import Party

    party = Party(company=company, name="Я" * 200, notes="n" * 2000)
    party.save()
    party.refresh_from_db()
    assert len(party.name) == 200 and len(party.notes) == 2000


def test_bulk_create_names_the_line(company):
    from xfinances.invoicing.models import DocumentLine

    rows = [
        DocumentLine(company=company, position=1, description="ok"),
        DocumentLine(company=company, position=2, description="x" * 2001),
    ]
    with pytest.raises(InvalidInput) as refused:
        DocumentLine.objects.bulk_create(rows)
    assert list(refused.value.errors) == ["lines.2.description"]


def test_insert_rows_checks_text_first(company):
    from xfinances.parties.models import PartyContact

    with pytest.raises(InvalidInput) as refused:
        insert_rows(PartyContact, [{"company_id": company.pk, "party_id": 1, "name": "x" * 201}])
    assert list(refused.value.errors) == ["1.name"]


def test_the_database_refuses_an_over_long_text_field_written_around_the_model(company):
    """`QuerySet.update()` skips `save()`; the CHECK constraint still holds the limit."""
    from xfinances.parties.models import Party

    party = Party.objects.create(company=company, name="Алфа")
    with pytest.raises(IntegrityError), transaction.atomic():
        Party.objects.filter(pk=party.pk).update(notes="n" * 2001)
    Party.objects.filter(pk=party.pk).update(notes="n" * 2000)


def test_the_api_refuses_an_over_long_value_at_its_field(company, api_as):
    from xfinances.parties.models import Party

    api = api_as(company)
    answer = api.post("/parties", {"name": "Я" * 5000, "eik": "", "kind": "company"})
    assert answer.status_code == 422
    assert "name" in answer.json()["errors"]
    answer = api.post("/parties", {"name": "Алфа", "notes": "n" * 2001})
    assert answer.status_code == 422
    assert "notes" in answer.json()["errors"]
    assert not Party.objects.filter(company=company).exists()


def test_openapi_shows_the_model_limits(client):
    schemas = client.get("/api/v1/openapi.json").json()["components"]["schemas"]
    assert schemas["PartyIn"]["properties"]["notes"]["maxLength"] == 2000
    assert schemas["LineIn"]["properties"]["description"]["maxLength"] == 2000
    assert schemas["LineIn"]["properties"]["unit"]["maxLength"] == 10


def test_forms_take_their_limits_from_the_models():
    from xfinances.catalog.forms import ProductForm
    from xfinances.invoicing.forms import DocumentForm
    from xfinances.parties.forms import PartyForm

    assert DocumentForm.base_fields["notes"].max_length == text_limit(
        "invoicing", "Document", "notes"
    )
    assert PartyForm.base_fields["notes"].max_length == text_limit("parties", "Party", "notes")
    assert ProductForm.base_fields["description"].max_length == text_limit(
        "catalog", "Product", "description"
    )


def text_limit(app, model, name):
    field = apps.get_model(app, model)._meta.get_field(name)
    assert field in text_fields(field.model)
    return field.max_length


def test_a_document_line_gets_the_same_text_checks_as_every_api_schema(company, api_as):
    """The line schema is the action's typed input (a dataclass), not an InputSchema: it must
    still refuse over-long text and lone surrogates at its field, with nothing saved."""
    from xfinances.invoicing.models import Document

    api = api_as(company)
    for description in ("д" * 2001, "\ud800", "a\x00b"):
        answer = api.post("/documents", {"lines": [{"description": description}]})
        assert answer.status_code == 422, description
        errors = answer.json()["errors"]
        assert any(key.startswith("lines") for key in errors), (description, errors)
    assert not Document.objects.filter(company=company).exists()


def test_every_app_of_the_product_is_walked():
    """An app added later with models cannot slip past the walk above."""
    product = {
        config.label
        for config in apps.get_app_configs()
        if config.name.startswith("xfinances.") and list(config.get_models())
    }
    assert product <= set(APPS), sorted(product - set(APPS))
