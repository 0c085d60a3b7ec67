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
