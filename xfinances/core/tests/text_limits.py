"""Shared checks of the text-limit tests of the apps (issue 11): every column of an app bounded
and checked by the database, and stepping an app's migrations back and forth."""

from __future__ import annotations

from django.apps import apps
from django.db import connection, models
from django.db.migrations.executor import MigrationExecutor

from xfinances.core.text_limits import BoundedText


def assert_every_text_column_bounded(app_label: str) -> None:
    """Every model of the app checks its text (`BoundedText`), every CharField and TextField
    has a max_length, and each TextField's limit is a constraint of the database."""
    for model in apps.get_app_config(app_label).get_models():
        assert issubclass(model, BoundedText), model
        for field in model._meta.concrete_fields:
            if not isinstance(field, models.CharField | models.TextField):
                continue
            assert field.max_length, f"{model.__name__}.{field.name} has no limit"
            if isinstance(field, models.TextField):
                names = {c.name for c in model._meta.constraints}
                assert f"{model._meta.db_table}_{field.name}_length" in names, field


def migrate(targets: list[tuple[str, str]]) -> None:
    """Migrate the test database to `targets` ([(app, migration)]), back or forth."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)


def migrate_to_latest() -> None:
    """Every app back at its latest migration: a test that stepped one app back must leave the
    database as the other tests of its worker expect it (newer migrations included)."""
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
