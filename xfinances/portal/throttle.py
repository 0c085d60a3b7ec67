"""How often sign-in links may be asked for: per e-mail address and per IP address, counted in
the cache (shared by all processes) over a sliding window of fixed slots.

When the cache (Redis) is down, the requests are counted in the portal's access log instead
(every request leaves a row there), so the page keeps answering and keeps its limits."""

from __future__ import annotations

import datetime as dt
import hashlib
import logging

from django.core.cache import cache
from django.utils import timezone
from redis.exceptions import RedisError

from xfinances.portal.models import AccessAction, PortalAccessLog

log = logging.getLogger(__name__)

WINDOW_SECONDS = 15 * 60
PER_EMAIL = 3
PER_IP = 20


def _key(kind: str, value: str) -> str:
    digest = hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]
    return f"portal-sign-in:{kind}:{digest}"


def _hit(key: str, limit: int) -> bool:
    """Count one request; True when it is still within `limit` for the window."""
    added = cache.add(key, 1, WINDOW_SECONDS)
    if added:
        return True
    try:
        count = cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.add(key, 1, WINDOW_SECONDS)
        return True
    return count <= limit


def _logged_within_limits(email: str, ip_address: str | None) -> bool:
    """The same limits, counted from the access log's link requests of the window."""
    since = timezone.now() - dt.timedelta(seconds=WINDOW_SECONDS)
    requests = PortalAccessLog.objects.filter(action=AccessAction.LINK_REQUESTED, at__gte=since)
    by_email = requests.filter(email=email.strip().lower()).count()
    by_ip = requests.filter(ip_address=ip_address).count() if ip_address else 0
    return by_email < PER_EMAIL and by_ip < PER_IP


def allow_sign_in_request(email: str, ip_address: str | None) -> bool:
    """True when another link may be sent to `email` from `ip_address`."""
    try:
        ip_ok = _hit(_key("ip", ip_address or "-"), PER_IP)
        email_ok = _hit(_key("email", email), PER_EMAIL)
    except (RedisError, OSError) as error:
        log.warning("sign-in throttle: cache unavailable (%s); counting in the access log", error)
        return _logged_within_limits(email, ip_address)
    return ip_ok and email_ok
