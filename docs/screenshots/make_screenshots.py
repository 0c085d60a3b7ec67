"""Regenerate the screenshots of docs/screenshots/ from the demo data.

    PYTHONPATH=. .venv/bin/python docs/screenshots/make_screenshots.py [--out docs/screenshots]

A throw-away install (its own data folder and SQLite database) gets `migrate` and `demo`, then
`serve --no-worker` on a free loopback port; Playwright drives Debian's Chromium
(/usr/bin/chromium, as the browser tests do) through the pages as the demo owner, in Bulgarian,
1280 px wide. Each PNG is reduced to a 256-colour palette and saved optimised (a UI has few
colours; the files shrink about fourfold and stay sharp).

Empty date inputs show the browser's own pattern: Debian's Chromium without `chromium-l10n`
has only its en-US locale, so they read mm/dd/yyyy here and dd.mm.yyyy in a Bulgarian browser.
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from PIL import Image

HERE = Path(__file__).resolve().parent
WIDTH, HEIGHT = 1280, 900
CHROMIUM = "/usr/bin/chromium"
NEW_COMPANY = {"name": "Нова Фирма ЕООД", "eik": "131468980", "city": "Пловдив"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def xfinances(env: dict[str, str], *args: str) -> None:
    subprocess.run([sys.executable, "-m", "xfinances", *args], env=env, check=True)  # noqa: S603


def wait_until_up(url: str, server: subprocess.Popen[bytes]) -> None:
    for _ in range(120):
        if server.poll() is not None:
            raise SystemExit("the server stopped before answering")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2):  # noqa: S310 (loopback)
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit(f"{url} did not answer within a minute")


def optimise(path: Path) -> None:
    image = Image.open(path).convert("RGB")
    palette = image.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    palette.save(path, optimize=True)


def document_ids(env: dict[str, str]) -> dict[str, int]:
    """The demo's best examples, read in a child process that uses the throw-away database."""
    code = (
        "import django, json; django.setup();"
        "from xfinances.core.demo import DEMO_EIK;"
        "from xfinances.payments.models import Allocation;"
        "a = Allocation.objects.filter(document__company__eik=DEMO_EIK, payment__isnull=False)"
        ".order_by('-document_id').first();"
        "print(json.dumps({'payments': a.document_id}))"
    )
    out = subprocess.run(  # noqa: S603 (our own interpreter and code)
        [sys.executable, "-c", code], env=env, check=True, capture_output=True, text=True
    )
    result: dict[str, int] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def shoot(page: Any, path: Path, *, full_page: bool = False) -> None:
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(path), full_page=full_page)
    optimise(path)
    print(f"  {path.name}: {path.stat().st_size // 1024} KiB")


def take(url: str, out: Path, ids: dict[str, int]) -> None:
    from playwright.sync_api import sync_playwright

    from xfinances.core.demo import DEMO_EIK, DEMO_LOGINS

    email, password, _role = DEMO_LOGINS[0]
    base = f"{url}/c/{DEMO_EIK}"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--lang=bg-BG"],
        )
        context = browser.new_context(
            locale="bg-BG", viewport={"width": WIDTH, "height": HEIGHT}, device_scale_factor=1
        )
        page = context.new_page()
        page.goto(f"{url}/login/")
        page.fill("input[name=username]", email)
        page.fill("input[name=password]", password)
        page.click("#sign-in")
        page.wait_for_load_state("networkidle")

        page.goto(f"{base}/documents/")
        shoot(page, out / "document-list-payment-badges.png")

        page.goto(f"{base}/documents/{ids['payments']}/?tab=payments")
        shoot(page, out / "document-payments-tab.png")

        page.goto(f"{base}/payments/reminders/")
        page.locator("#preview").scroll_into_view_if_needed()
        shoot(page, out / "reminder-preview.png")

        page.goto(f"{url}/companies/new/")
        for name, value in NEW_COMPANY.items():
            page.fill(f"input[name={name}]", value)
        page.click("#create-company")
        page.wait_for_selector("#first-steps")
        page.locator("#first-steps").scroll_into_view_if_needed()
        shoot(page, out / "onboarding-first-steps.png")
        browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=HERE)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="xfinances-screenshots-") as data:
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "XFINANCES_DATA_DIR": data,
            "DJANGO_SETTINGS_MODULE": "xfinances.settings",
            "BASE_URL": url,
            "EMAIL_HOST": "",
        }
        env.pop("DATABASE_URL", None)
        env.pop("REDIS_URL", None)
        xfinances(env, "migrate", "--verbosity", "0")
        xfinances(env, "demo")
        ids = document_ids(env)
        # No worker: the reminder run it would start at once would empty the preview.
        command = [sys.executable, "-m", "xfinances", "serve", "--port", str(port), "--no-worker"]
        server = subprocess.Popen(command, env=env)  # noqa: S603 (our own interpreter)
        try:
            wait_until_up(url, server)
            os.environ.update({k: env[k] for k in ("XFINANCES_DATA_DIR", "DJANGO_SETTINGS_MODULE")})
            import django

            django.setup()
            take(url, args.out, ids)
        finally:
            server.terminate()
            server.wait(timeout=30)


if __name__ == "__main__":
    main()
