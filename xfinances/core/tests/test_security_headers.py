"""Site-wide security headers (issue 14, defect 2): a Content-Security-Policy that allows only
our own scripts, and templates that need no inline script to work under it."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"


@pytest.mark.django_db
def test_pages_carry_a_content_security_policy(client: Any) -> None:
    response = client.get("/login/")
    policy = response["Content-Security-Policy"]
    assert (
        "script-src 'self'" in policy
        and "'unsafe-inline'" not in policy.split("script-src")[1].split(";")[0]
    )
    assert "object-src 'none'" in policy and "frame-ancestors 'self'" in policy
    assert response["X-Content-Type-Options"] == "nosniff"


def test_no_template_has_an_inline_script_or_event_handler() -> None:
    found = []
    for path in TEMPLATES.rglob("*.html"):
        text = path.read_text(encoding="utf-8")
        for match in re.finditer(r"<script(?![^>]*\bsrc=)[^>]*>|\son[a-z]+=\"", text):
            found.append(f"{path.relative_to(TEMPLATES)}: {match.group(0).strip()}")
    assert found == []


def test_production_settings_secure_cookies_and_hsts() -> None:
    # Production = served over HTTPS (BASE_URL) and not DEBUG; a loopback install stays on HTTP.
    import os
    import subprocess
    import sys

    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='xfinances.settings'; "
        "from django.conf import settings as s; "
        "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS > 0)"
    )
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "SECURE_COOKIES")}
    env["BASE_URL"] = "https://finance.example.bg"
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["True", "True", "True"]
    for changed in ({"DEBUG": "1"}, {"BASE_URL": "http://127.0.0.1:8000"}):
        out = subprocess.run(
            [sys.executable, "-c", code],
            env=env | changed,
            capture_output=True,
            text=True,
            check=True,
        )
        assert out.stdout.split() == ["False", "False", "False"], changed
