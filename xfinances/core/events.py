"""Domain events and hooks: how a lower app causes work in a higher one without importing it.

Apps stand on floors (docs/ARCHITECTURE.md) and import only downward. When invoicing issues a
document, delivery (above it) must e-mail it, accounting (above that) may export it; invoicing
cannot import either. Instead invoicing declares an event type and emits it; each higher app
subscribes in its `AppConfig.ready()`:

    # invoicing/events.py (the lower app declares what happened)
    @dataclass(frozen=True)
    class DocumentIssued(Event):
        company_id: int
        document_id: int

    # invoicing/actions/issue.py
    events.emit(DocumentIssued(company_id=..., document_id=...), actor=actor)

    # accounting/apps.py (the higher app reacts)
    def ready(self):
        events.subscribe(DocumentIssued, export_on_issue, phase=Phase.ON_COMMIT)

A subscriber chooses its phase:
- `Phase.IN_TRANSACTION` runs at once, inside the emitting action's transaction: its writes
  commit or roll back with the action (a credit note settling its invoice);
- `Phase.ON_COMMIT` runs after the transaction commits (e-mail, webhooks, tasks), and never
  when it rolls back.

A `Hook` is the other direction: a lower app asks the apps above it for contributions (dashboard
cards, forecast sources, default data of a new company) and gets back what each registered
provider returns, in registration order.

This is deliberately not Django signals: events are typed dataclasses, subscribers are listed
in one place per app, their phase is explicit, and a failing IN_TRANSACTION subscriber fails the
action instead of being swallowed. (saleor's plugin manager calls, not signals.)
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from django.db import transaction

logger = logging.getLogger(__name__)


class Event:
    """Base of every domain event. Subclasses are frozen dataclasses of ids and plain values;
    an event emitted inside a transaction may also carry the instance it is about, for its
    IN_TRANSACTION subscribers. An ON_COMMIT subscriber reloads what it needs by id."""


E = TypeVar("E", bound=Event)


class Phase(enum.Enum):
    IN_TRANSACTION = "in_transaction"
    ON_COMMIT = "on_commit"


@dataclass(frozen=True)
class Subscription:
    event_type: type[Event]
    handler: Callable[..., None]
    phase: Phase
    name: str


_subscriptions: dict[type[Event], list[Subscription]] = {}


def subscribe(
    event_type: type[E],
    handler: Callable[[E], None],
    *,
    phase: Phase,
) -> Subscription:
    """Register `handler` for `event_type`. Called from `AppConfig.ready()`; registering the
    same handler twice (a second `ready()` in tests) keeps one subscription."""
    if not (isinstance(event_type, type) and issubclass(event_type, Event)):
        raise TypeError(f"{event_type!r} is not an Event type")
    name = f"{handler.__module__}.{getattr(handler, '__qualname__', repr(handler))}"
    existing = _subscriptions.setdefault(event_type, [])
    for found in existing:
        if found.name == name and found.phase is phase:
            return found
    subscription = Subscription(event_type, handler, phase, name)
    existing.append(subscription)
    return subscription


def unsubscribe(subscription: Subscription) -> None:
    """Remove a subscription (tests that register a temporary handler)."""
    found = _subscriptions.get(subscription.event_type, [])
    if subscription in found:
        found.remove(subscription)


def subscribers(event_type: type[Event]) -> list[Subscription]:
    """The subscriptions of one event type, in registration order (for docs and tests)."""
    return list(_subscriptions.get(event_type, []))


def emit(event: Event) -> None:
    """Tell the subscribers that `event` happened.

    IN_TRANSACTION subscribers run now, in order; an exception propagates and rolls the action
    back. ON_COMMIT subscribers are queued with `transaction.on_commit`; each runs on its own, so
    one failing (logged) does not keep the others from running.
    """
    if not isinstance(event, Event):
        raise TypeError(f"{event!r} is not an Event")
    for subscription in list(_subscriptions.get(type(event), [])):
        if subscription.phase is Phase.IN_TRANSACTION:
            subscription.handler(event)
        else:
            transaction.on_commit(_guarded(subscription, event), robust=True)


def _guarded(subscription: Subscription, event: Event) -> Callable[[], None]:
    def run() -> None:
        subscription.handler(event)

    run.__qualname__ = f"on_commit:{subscription.name}"
    return run


T = TypeVar("T")


@dataclass
class Hook(Generic[T]):
    """A named extension point that a lower app asks and higher apps answer.

        dashboard_cards: Hook[DashboardCard] = Hook("core.dashboard_cards")
        dashboard_cards.provide(payments_cards)          # in payments' ready()
        cards = dashboard_cards.collect(company=c, ...)  # in core's dashboard view

    Each provider returns one contribution, a list of them, or None (nothing to add).
    """

    name: str
    _providers: list[Callable[..., Any]] = field(default_factory=list, repr=False)

    def provide(self, provider: Callable[..., Any]) -> Callable[..., Any]:
        """Register a provider; usable as a decorator. Registering one twice keeps one."""
        key = f"{provider.__module__}.{getattr(provider, '__qualname__', repr(provider))}"
        for found in self._providers:
            found_key = f"{found.__module__}.{getattr(found, '__qualname__', repr(found))}"
            if found_key == key:
                return provider
        self._providers.append(provider)
        return provider

    def providers(self) -> list[Callable[..., Any]]:
        return list(self._providers)

    def collect(self, **kwargs: Any) -> list[T]:
        """Every provider's contribution, flattened, in registration order."""
        out: list[T] = []
        for provider in self._providers:
            result = provider(**kwargs)
            if result is None:
                continue
            if isinstance(result, list | tuple):
                out.extend(result)
            else:
                out.append(result)
        return out


# ----------------------------------------------------------------- core's own events


@dataclass(frozen=True)
class CompanyCreated(Event):
    """A company was created (its owner, if any, is already a member). Every app seeds the
    company's default data in its IN_TRANSACTION subscriber: VAT treatments (catalog), purchase
    categories (purchases), cash-flow categories (treasury), reminder levels (payments). So the
    defaults exist from the first request and no page writes them on GET."""

    company_id: int
    company: Any = field(compare=False, repr=False)
    actor: Any = field(compare=False, repr=False)
