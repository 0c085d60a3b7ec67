"""Language of each request: Bulgarian unless the person chose otherwise.

Django's LocaleMiddleware follows the browser's Accept-Language, which would show English to
the many Bulgarian accountants whose browsers are set to English. XFINANCES instead uses, in
order: the language the person switched to (cookie set by /i18n/setlang/), the signed-in user's
saved language, then LANGUAGE_CODE (Bulgarian).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.utils import translation
from django.utils.translation import gettext as _

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
        request.LANGUAGE_CODE = language
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


# --- Input boundary (issue 14) -----------------------------------------------------------------

_LONG_NUMBER = re.compile(r"(?:^|/)\d{19,}(?:/|$)")
_PAGING = re.compile(r"\d{1,9}")
_PAGING_NAMES = ("offset", "limit", "page", "per_page")


def _json_error(status: int, detail: str, errors: dict[str, list[str]] | None = None) -> Any:
    body: dict[str, Any] = {"detail": detail}
    if errors is not None:
        body["errors"] = errors
    return JsonResponse(body, status=status)


class InputBoundaryMiddleware:
    """What no view should ever see, refused before routing (issue 14):

    - a NUL byte in the address or the query string (400): PostgreSQL cannot store or compare
      it, and every search, portal and company address answered 500 with one;
    - a number of more than 18 digits where an address takes an id (404): beyond 64 bits the
      database raises instead of finding nothing;
    - in the API: paging (`offset`, `limit`) that is not a whole number below 10^9 (422), a body
      over `API_MAX_BODY_BYTES` (413; the UBL import's base64 file may be as large as
      `DATA_UPLOAD_MAX_MEMORY_SIZE`), a JSON body that is not an object (422) or not JSON
      (400) — without echoing the parser's message.

    Unknown fields and bad text inside a JSON object are refused by `core.schemas.InputSchema`;
    amounts and dates by `core.readers` in the actions."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        refused = self._refuse(request)
        return refused if refused is not None else self.get_response(request)

    def _refuse(self, request: HttpRequest) -> HttpResponse | None:
        query = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            return HttpResponseBadRequest("Bad request.", content_type="text/plain")
        if _LONG_NUMBER.search(request.path):
            raise Http404
        if not request.path.startswith("/api/"):
            return self._refuse_form(request)
        for name in _PAGING_NAMES:
            for value in request.GET.getlist(name):
                if not _PAGING.fullmatch(value.strip()):
                    message = "Enter a whole number from 0 to 999999999."
                    return _json_error(422, "Invalid input.", {name: [message]})
        if request.method not in ("POST", "PUT", "PATCH"):
            return None
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        limit = int(getattr(settings, "API_MAX_BODY_BYTES", 1024 * 1024))
        if request.path.rstrip("/").endswith(tuple(getattr(settings, "API_FILE_PATHS", ()))):
            limit = int(settings.DATA_UPLOAD_MAX_MEMORY_SIZE or limit)
        if length > limit:
            return _json_error(413, f"The request body is larger than {limit} bytes.")
        if "json" not in (request.content_type or "") or length == 0:
            return None
        try:
            data = json.loads(request.body)
        except (ValueError, UnicodeDecodeError):
            return _json_error(400, "The request body is not valid JSON.")
        if not isinstance(data, dict):
            return _json_error(422, "Invalid input.", {"__all__": ["Send a JSON object."]})
        return None

    def _refuse_form(self, request: HttpRequest) -> HttpResponse | None:
        """A page's form without files may be at most `FORM_MAX_BODY_BYTES` (1 MiB): no field
        needs more, and Django's own cap (DATA_UPLOAD_MAX_MEMORY_SIZE) is sized for the API's
        base64 files. File uploads (multipart) have their own limits per app."""
        if request.method != "POST" or "urlencoded" not in (request.content_type or ""):
            return None
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > int(getattr(settings, "FORM_MAX_BODY_BYTES", 1024 * 1024)):
            return HttpResponse("Request body too large.", status=413, content_type="text/plain")
        return None


class DatabaseUnavailableMiddleware:
    """A database that cannot be reached (restarting, failed over, connections cut) answers 503
    with `Retry-After` instead of a 500: the request changed nothing (its transaction never
    committed), and the client may repeat it — with the same `Idempotency-Key` where it moves
    money. Only connection-level errors; a failed query of a live database stays a 500."""

    RETRY_AFTER_SECONDS = 5

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, error: Exception) -> HttpResponse | None:
        from django.db import InterfaceError, OperationalError, connections

        if not isinstance(error, OperationalError | InterfaceError) or not _connection_lost(
            connections["default"]
        ):
            return None
        # Dropped now, so the next request of this thread connects afresh.
        connections["default"].close_if_unusable_or_obsolete()
        detail = str(
            _("The database is not reachable at the moment. Nothing was saved; try again.")
        )
        if request.path.startswith("/api/"):
            response = _json_error(503, detail)
        else:
            response = HttpResponse(detail, status=503, content_type="text/plain; charset=utf-8")
        response["Retry-After"] = str(self.RETRY_AFTER_SECONDS)
        return response


def _connection_lost(connection: Any) -> bool:
    """True when the error came from a connection that no longer works (not a bad query)."""
    if connection.connection is None:
        return True  # connecting failed
    try:
        return not connection.is_usable()
    except Exception:  # each driver raises its own kinds from a dead socket
        return True
