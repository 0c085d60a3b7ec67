"""Errors that actions raise. Views, API and CLI turn them into messages; none is a 500."""

from __future__ import annotations

from django.utils.functional import Promise


class ActionError(Exception):
    """Base of every error an action raises on purpose."""


class InvalidInput(ActionError):
    """Input refused; `errors` maps field name (or "__all__") to messages. Nothing changed."""

    def __init__(
        self, errors: dict[str, list[str | Promise]] | str | Promise, field: str = "__all__"
    ):
        if not isinstance(errors, dict):
            errors = {field: [errors]}
        self.errors: dict[str, list[str]] = {k: [str(m) for m in v] for k, v in errors.items()}
        super().__init__("; ".join(f"{k}: {' '.join(v)}" for k, v in self.errors.items()))

    @classmethod
    def collect(cls) -> ErrorCollector:
        return ErrorCollector()


class ErrorCollector:
    """Gather several field errors, then raise them together."""

    def __init__(self) -> None:
        self.errors: dict[str, list[str | Promise]] = {}

    def add(self, field: str, message: str | Promise) -> None:
        self.errors.setdefault(field, []).append(message)

    def raise_if_any(self) -> None:
        if self.errors:
            raise InvalidInput(self.errors)


class NotAllowed(ActionError):
    """The acting user's role does not allow this action in this company."""


class Conflict(ActionError):
    """The action conflicts with existing data (a duplicate, a stale edit)."""

    def __init__(self, message: str | Promise, link: str | None = None, field: str = "__all__"):
        self.message = str(message)
        self.link = link
        self.field = field
        super().__init__(self.message)
