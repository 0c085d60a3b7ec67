"""Language of each request: Bulgarian unless the person chose otherwise.

Django's LocaleMiddleware follows the browser's Accept-Language, which would show English to
the many Bulgarian accountants whose browsers are set to English. XFINANCES instead uses, in
order: the language the person switched to (cookie set by /i18n/setlang/), the signed-in user's
saved language, then LANGUAGE_CODE (Bulgarian).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from xfinances.core.file_responses import make_safe

_SUPPORTED = {code for code, _name in settings.LANGUAGES}


def language_for(request: HttpRequest) -> str:
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if chosen in _SUPPORTED:
        return chosen
    user = getattr(request, "user", None)
    saved = getattr(user, "language", "") if user is not None and user.is_authenticated else ""
    if saved in _SUPPORTED:
        return str(saved)
    return str(settings.LANGUAGE_CODE)


class LanguageMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        language = language_for(request)
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


# --- Security headers (issue 14) ---------------------------------------------------------------

# Our pages load only our own scripts (vendored HTMX and Bootstrap, static/xfinances/*.js): no
# inline script or event handler (a test keeps templates free of them). Inline style attributes
# stay allowed: they cannot run code, and HTMX and Bootstrap set styles too.
SITE_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "frame-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'self'",
    )
)


class SecurityHeadersMiddleware:
    """Every page gets the site's Content-Security-Policy; every response that serves a file
    (it has a `Content-Disposition`, or comes from the stored files' address) is made safe by
    `core.file_responses.make_safe`: inline only for PDFs and raster images, `nosniff`, and a
    sandboxing policy."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        serves_file = "Content-Disposition" in response or (
            bool(settings.MEDIA_URL) and request.path.startswith(str(settings.MEDIA_URL))
        )
        if serves_file:
            make_safe(response)
        else:
            response.headers.setdefault("Content-Security-Policy", SITE_POLICY)
        return response
