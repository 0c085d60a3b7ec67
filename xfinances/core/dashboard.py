"""The dashboard's cards: core draws the page, each app above it contributes its own cards.

Core stands on the lowest floor and cannot import parties, treasury or payments; each of them
registers a provider in its `AppConfig.ready()`. A provider gets the request (company, role and
user are on it) and returns rendered HTML for one or more Bootstrap grid columns, or None when
the person may not see that area.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.safestring import SafeString

from xfinances.core.events import Hook

dashboard_cards: Hook[SafeString] = Hook("core.dashboard_cards")


def cards_for(request: HttpRequest) -> list[SafeString]:
    """Every app's cards for this request, in the order the apps are installed."""
    return dashboard_cards.collect(request=request)
