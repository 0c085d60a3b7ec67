"""Real servers on loopback: an SMTP server (aiosmtpd) and a webhook receiver (http.server)."""

from __future__ import annotations

import email
import email.policy
import http.server
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Received:
    mail_from: str
    recipients: list[str]
    data: bytes

    @property
    def message(self) -> Any:
        return email.message_from_bytes(self.data, policy=email.policy.default)


class CollectingHandler:
    def __init__(self) -> None:
        self.received: list[Received] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.received.append(
                Received(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.content))
            )
        return "250 Message accepted for delivery"


@dataclass
class SmtpServer:
    port: int
    handler: CollectingHandler = field(default_factory=CollectingHandler)
    controller: Controller | None = None

    def start(self) -> None:
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    @property
    def received(self) -> list[Received]:
        return self.handler.received

    def message_ids(self) -> list[str]:
        return [r.message["Message-ID"] for r in self.received]


@pytest.fixture
def smtp_port(settings: Any) -> int:
    """A loopback port the mail settings point at (nothing listens until a server starts)."""
    port = free_port()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_TIMEOUT = 5
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.NOTIFICATIONS_KICK_WORKER = False
    return port


@pytest.fixture
def smtp_server(smtp_port: int) -> Iterator[SmtpServer]:
    server = SmtpServer(smtp_port)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp_down(smtp_port: int) -> Iterator[SmtpServer]:
    """The server object, not started: the test starts it when the SMTP should come back."""
    server = SmtpServer(smtp_port)
    yield server
    server.stop()


@dataclass
class Hit:
    headers: dict[str, str]
    body: bytes
    valid: bool
    status: int


class WebhookReceiver:
    """Verifies the signature with `secret`; answers 500 to the first `fail_first` calls."""

    def __init__(self) -> None:
        self.secret = ""
        self.fail_first = 0
        self.hits: list[Hit] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                from xfinances.notifications.outbox import SIGNATURE_HEADER, verify_signature

                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                valid = verify_signature(
                    receiver.secret, self.headers.get(SIGNATURE_HEADER, ""), body
                )
                status = 200 if valid else 401
                if valid and len([h for h in receiver.hits if h.valid]) < receiver.fail_first:
                    status = 500
                receiver.hits.append(Hit(dict(self.headers), body, valid, status))
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok" if status == 200 else b"nope")

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def payloads(self) -> list[dict[str, Any]]:
        return [json.loads(hit.body) for hit in self.hits]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def webhook_receiver(settings: Any) -> Iterator[WebhookReceiver]:
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = True
    settings.NOTIFICATIONS_KICK_WORKER = False
    receiver = WebhookReceiver()
    yield receiver
    receiver.close()
