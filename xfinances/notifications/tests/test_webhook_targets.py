"""Webhooks cannot be steered inside the network (issue 14, defect 7): the host is resolved and
checked when the request is sent (every address it resolves to), redirects are not followed, and
only a status and a size are kept — never the start of the receiver's answer."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest

from xfinances.notifications import actions, outbox
from xfinances.notifications.actions import WebhookEndpointInput
from xfinances.notifications.models import MessageStatus, OutboxMessage
from xfinances.notifications.tests.factories import SYSTEM

pytestmark = pytest.mark.django_db


class _Receiver:
    """A loopback server answering every POST with `status`, `body` and `headers`."""

    def __init__(self, status: int, body: bytes = b"", headers: dict[str, str] | None = None):
        self.paths: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.paths.append(self.path)
                self.send_response(status)
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST

            def log_message(self, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver_factory():
    made: list[_Receiver] = []

    def make(*args: Any, **kwargs: Any) -> _Receiver:
        made.append(_Receiver(*args, **kwargs))
        return made[-1]

    yield make
    for receiver in made:
        receiver.close()


def _send(company: Any, url: str) -> OutboxMessage:
    hook = actions.create_webhook_endpoint(
        SYSTEM, company, WebhookEndpointInput.read({"url": url, "events": ["document.issued"]})
    )
    message = actions.send_test_webhook(SYSTEM, hook)
    outbox.run()
    return OutboxMessage.objects.get(pk=message.pk)


def test_a_public_name_that_resolves_to_a_private_address_is_not_called(
    company, settings, monkeypatch, receiver_factory
):
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = False
    settings.NOTIFICATIONS_KICK_WORKER = False
    receiver = receiver_factory(200)
    real = socket.getaddrinfo

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host == "hooks.example.com":  # DNS pointing a public name at this machine
            return real("127.0.0.1", *args, **kwargs)
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    message = _send(company, f"http://hooks.example.com:{receiver.port}/in")
    assert receiver.paths == []
    assert message.status != MessageStatus.SENT
    assert "127.0.0.1" in message.last_error  # named in the reason (any language)


def test_redirects_are_not_followed(company, settings, receiver_factory):
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = True  # the receivers are on loopback
    settings.NOTIFICATIONS_KICK_WORKER = False
    inside = receiver_factory(200)
    redirecting = receiver_factory(
        302, headers={"Location": f"http://127.0.0.1:{inside.port}/admin"}
    )
    message = _send(company, f"http://127.0.0.1:{redirecting.port}/in")
    assert redirecting.paths == ["/in"] and inside.paths == []
    assert message.status != MessageStatus.SENT and message.last_response_code == 302


def test_only_the_status_and_size_of_an_answer_are_kept(company, settings, receiver_factory):
    settings.NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = True
    settings.NOTIFICATIONS_KICK_WORKER = False
    secret = b"internal: db password is hunter2"
    failing = receiver_factory(500, body=secret)
    message = _send(company, f"http://127.0.0.1:{failing.port}/in")
    assert "hunter2" not in message.last_error
    assert "500" in message.last_error and str(len(secret)) in message.last_error
