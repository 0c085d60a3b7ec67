"""The HTTP POST of a webhook, made so it cannot be steered inside the network (issue 14).

- The host is resolved when the request is sent, and every address it resolves to must be a
  public one (not private, loopback, link-local, multicast, reserved or unspecified; an IPv4
  address mapped into IPv6 counts as itself), unless `allow_private` (settings
  `NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE`, env `WEBHOOK_ALLOW_PRIVATE`: tests and installs whose
  receivers are on their own network). The check at saving time alone let a public name that
  points at 127.0.0.1 through.
- The connection goes to the address that was checked (no second lookup for the attacker's DNS
  to answer differently), with the name kept for the Host header and TLS.
- `http.client` never follows a redirect: a 3xx is the receiver's answer, not a new target.
- The caller learns the status and the size of the answer; the body is read (up to 1 MiB, to
  count it) and thrown away, so nothing a server inside answered reaches an owner's screen.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from urllib.parse import urlsplit

MAX_READ = 1024 * 1024


class WebhookTargetRefused(Exception):
    """The URL's host resolves to an address a webhook must not reach; `host`, `address`."""

    def __init__(self, host: str, address: str) -> None:
        super().__init__(f"{host} resolves to {address}")
        self.host, self.address = host, address


def is_public(address: str) -> bool:
    """Whether `address` (an IP address as text) is a public, routable one."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return bool(ip.is_global) and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def resolve(host: str, port: int, *, allow_private: bool) -> list[str]:
    """The addresses `host` resolves to now, all of them public unless `allow_private`."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
    if not allow_private:
        for address in addresses:
            if not is_public(address):
                raise WebhookTargetRefused(host, address)
    return addresses


class _PinnedHTTPConnection(http.client.HTTPConnection):
    def __init__(self, host: str, port: int, addresses: list[str], timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.addresses = addresses

    def _open(self) -> socket.socket:
        error: OSError | None = None
        for address in self.addresses:
            try:
                return socket.create_connection((address, self.port), self.timeout)
            except OSError as failed:
                error = failed
        raise error or OSError("no address to connect to")

    def connect(self) -> None:
        self.sock = self._open()


class _PinnedHTTPSConnection(_PinnedHTTPConnection):
    default_port = http.client.HTTPS_PORT

    def connect(self) -> None:
        context = ssl.create_default_context()
        self.sock = context.wrap_socket(self._open(), server_hostname=self.host)


def post(
    url: str, body: bytes, headers: dict[str, str], *, timeout: float, allow_private: bool
) -> tuple[int, int]:
    """POST `body` to `url`; returns (status, size of the answer in bytes). Raises
    `WebhookTargetRefused`, `OSError` (DNS, connection, TLS, timeout) or
    `http.client.HTTPException`."""
    parts = urlsplit(url)
    secure = parts.scheme == "https"
    host = parts.hostname or ""
    port = parts.port or (443 if secure else 80)
    addresses = resolve(host, port, allow_private=allow_private)
    kind = _PinnedHTTPSConnection if secure else _PinnedHTTPConnection
    connection = kind(host, port, addresses, timeout)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request("POST", target, body=body, headers=headers)
        response = connection.getresponse()
        size = len(response.read(MAX_READ))
        return int(response.status), size
    finally:
        connection.close()
