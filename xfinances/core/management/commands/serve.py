"""`xfinances serve`: the web UI and API (waitress) and the background worker, in one command."""

from __future__ import annotations

import signal
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand

from xfinances.core.demo import DEMO_EIK, DEMO_LOGINS
from xfinances.core.models import Company


class Command(BaseCommand):
    help = "Serve the UI and API and run the background worker beside it."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)
        parser.add_argument("--threads", type=int, default=8)
        parser.add_argument(
            "--no-worker", action="store_true", help="serve only; run the worker elsewhere"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # Loaded here, not at the top: every `xfinances` command imports this module, and only
        # `serve` should pay for the WSGI application and waitress.
        from waitress import serve

        from xfinances.wsgi import application

        worker = None
        if not options["no_worker"]:
            worker = subprocess.Popen([sys.executable, "-m", "xfinances", "worker"])

        def stop(signum: int, frame: object) -> None:
            raise KeyboardInterrupt

        signal.signal(signal.SIGTERM, stop)
        url = f"http://{options['host']}:{options['port']}"
        self.stdout.write(
            self.style.SUCCESS(f"XFINANCES is running at {url}  (API docs: {url}/api/v1/docs)")
        )
        if Company.objects.filter(eik=DEMO_EIK).exists():
            email, password, _role = DEMO_LOGINS[0]
            self.stdout.write(f"Demo sign-in: {email} / {password}  (other roles: see README)")
        if worker:
            self.stdout.write(f"Background worker started (pid {worker.pid}).")
        proxy: dict[str, Any] = {}
        if settings.TRUSTED_PROXY:
            # Behind a proxy the client's address (audit, sign-in throttling) comes from the
            # proxy's X-Forwarded-For, believed only from the proxy's own address.
            proxy = {
                "trusted_proxy": settings.TRUSTED_PROXY,
                "trusted_proxy_count": 1,
                "trusted_proxy_headers": {"x-forwarded-for", "x-forwarded-proto"},
                "clear_untrusted_proxy_headers": True,
            }
        try:
            serve(
                application,
                host=options["host"],
                port=options["port"],
                threads=options["threads"],
                ident="XFINANCES",
                url_scheme="https" if settings.SESSION_COOKIE_SECURE else "http",
                **proxy,
            )
        except KeyboardInterrupt:
            pass
        finally:
            if worker and worker.poll() is None:
                worker.terminate()
                try:
                    worker.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    worker.kill()
