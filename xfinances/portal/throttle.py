"""How often sign-in links may be asked for: per e-mail address and per IP address, counted in
the cache (shared by all processes) over a sliding window of fixed slots."""

from __future__ import annotations

import hashlib

from django.core.cache import cache

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


def allow_sign_in_request(email: str, ip_address: str | None) -> bool:
    """True when another link may be sent to `email` from `ip_address`."""
    ip_ok = _hit(_key("ip", ip_address or "-"), PER_IP)
    email_ok = _hit(_key("email", email), PER_EMAIL)
    return ip_ok and email_ok
