"""How stored files are served, so that no file can run a script in our origin.

A file a user or an outside supplier gave us (an attachment, a logo, a UBL e-invoice) may be
HTML, XHTML or SVG with a script in it. `make_safe(response)` — applied to every response that
carries a file (`Content-Disposition`) by `core.middleware.SecurityHeadersMiddleware`, and
called directly by views that serve stored files — makes sure that:

- only PDFs and raster images (PNG, JPEG, GIF, WebP, TIFF) are shown inline; anything else is a
  download (`attachment`) typed `application/octet-stream`, whatever type was stored;
- `X-Content-Type-Options: nosniff` stops the browser from guessing another type;
- a Content-Security-Policy with `default-src 'none'` allows the file nothing; every file but a
  PDF is also `sandbox`ed (a unique origin without scripts). PDFs are not sandboxed because
  browsers refuse to show a PDF in a sandboxed document; their viewer runs no page script.
"""

from __future__ import annotations

from typing import TypeVar

from django.http import HttpResponseBase

R = TypeVar("R", bound=HttpResponseBase)

INLINE_TYPES = frozenset(
    {"application/pdf", "image/png", "image/jpeg", "image/gif", "image/webp", "image/tiff"}
)
DOWNLOAD_TYPE = "application/octet-stream"
FILE_POLICY = (
    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'self'"
)
SANDBOXED_FILE_POLICY = FILE_POLICY + "; sandbox"


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def shown_inline(content_type: str) -> bool:
    """Whether a file of this type may be shown in the browser rather than downloaded."""
    return media_type(content_type) in INLINE_TYPES


def make_safe(response: R) -> R:
    """`response` (which serves a file) turned into a download unless its type may be shown
    inline, with `nosniff` and the file's Content-Security-Policy."""
    content_type = response.get("Content-Type", "") or ""
    disposition = response.get("Content-Disposition", "") or ""
    if not shown_inline(content_type) and not disposition.lower().startswith("attachment"):
        # A download keeps its type (a CSV export stays text/csv); one shown in the browser
        # becomes a typeless download.
        response["Content-Type"] = DOWNLOAD_TYPE
        rest = disposition.split(";", 1)[1] if ";" in disposition else ""
        response["Content-Disposition"] = "attachment" + (f";{rest}" if rest else "")
    response["X-Content-Type-Options"] = "nosniff"
    pdf = media_type(response["Content-Type"]) == "application/pdf"
    response["Content-Security-Policy"] = FILE_POLICY if pdf else SANDBOXED_FILE_POLICY
    return response
