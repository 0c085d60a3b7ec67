"""A tiny IMAP4rev1 server on loopback for the mailbox tests: one user, a few folders, the
commands `sources/mailbox.py` sends (LOGIN, AUTHENTICATE XOAUTH2 — or its refusal, as a
server without it answers —, SELECT, UID SEARCH, UID
FETCH of BODY.PEEK[...], UID STORE, UID COPY, EXPUNGE, LOGOUT). Enough protocol to be honest, no more: search criteria
are ignored (every message not deleted is returned) and headers are cut from the stored bytes.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import json
import re
import socketserver
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass
class Stored:
    uid: int
    raw: bytes
    flags: set[str] = field(default_factory=set)


@dataclass
class FakeMailStore:
    user: str = "statements@firma.bg"
    password: str = "Parola-2026"
    folders: dict[str, list[Stored]] = field(default_factory=lambda: {"INBOX": [], "Done": []})
    next_uid: int = 1
    logins: int = 0
    fail_fetch: bool = False
    tokens: set[str] = field(default_factory=set)  # access tokens XOAUTH2 accepts
    echo_refusals: bool = False  # a careless server repeats what it was sent
    xoauth2: bool = True  # offered (AUTH=XOAUTH2); off: AUTHENTICATE XOAUTH2 is refused at once
    refusal: str = "NO [AUTHENTICATIONFAILED] Invalid credentials"  # the end of a refused token
    error_challenge: str | None = None  # sent instead of the base64 JSON error (None: the JSON)

    def deliver(self, raw: bytes, folder: str = "INBOX") -> Stored:
        message = Stored(self.next_uid, raw)
        self.next_uid += 1
        self.folders[folder].append(message)
        return message


def _header_fields(raw: bytes, names: list[str]) -> bytes:
    head = raw.split(b"\r\n\r\n", 1)[0].replace(b"\r\n ", b" ").replace(b"\r\n\t", b" ")
    wanted = {n.lower().encode() for n in names}
    lines = [line for line in head.split(b"\r\n") if line.split(b":", 1)[0].lower() in wanted]
    return b"\r\n".join(lines) + b"\r\n\r\n"


class _Handler(socketserver.StreamRequestHandler):
    store: FakeMailStore

    def send(self, line: str | bytes) -> None:
        data = line if isinstance(line, bytes) else line.encode()
        self.wfile.write(data + b"\r\n")

    def handle(self) -> None:
        self.send("* OK IMAP4rev1 test server ready")
        selected: list[Stored] | None = None
        while True:
            line = self.rfile.readline()
            if not line:
                return
            tag, _, rest = line.decode().strip().partition(" ")
            command, _, args = rest.partition(" ")
            command = command.upper()
            if command == "CAPABILITY":
                xoauth2 = " AUTH=XOAUTH2" if self.store.xoauth2 else ""
                self.send(f"* CAPABILITY IMAP4rev1 AUTH=PLAIN{xoauth2}")
            elif command == "AUTHENTICATE" and not self.store.xoauth2:
                self.send(f"{tag} NO [CANNOT] Unsupported authentication mechanism")
                continue
            elif command == "AUTHENTICATE" and args.upper() == "XOAUTH2":
                if not self._xoauth2(tag):
                    continue
                self.store.logins += 1
            elif command == "LOGIN":
                user, password = [a.strip('"') for a in args.split(" ", 1)]
                if (user, password) != (self.store.user, self.store.password):
                    self.send(f"{tag} NO [AUTHENTICATIONFAILED] Invalid credentials")
                    continue
                self.store.logins += 1
            elif command == "SELECT":
                name = args.strip('"')
                if name not in self.store.folders:
                    self.send(f"{tag} NO no such folder")
                    continue
                selected = self.store.folders[name]
                self.send(f"* {len(selected)} EXISTS")
            elif command == "UID" and selected is not None:
                if not self._uid(tag, args, selected):
                    continue
            elif command == "EXPUNGE" and selected is not None:
                selected[:] = [m for m in selected if "\\Deleted" not in m.flags]
            elif command == "LOGOUT":
                self.send("* BYE")
                self.send(f"{tag} OK LOGOUT done")
                return
            elif command != "NOOP":
                self.send(f"{tag} BAD unknown command")
                continue
            self.send(f"{tag} OK {command} done")

    def _xoauth2(self, tag: str) -> bool:
        """Google's exchange: "+", the base64 response; a refusal is a "+" with a JSON error,
        answered by an empty line, then NO."""
        self.send("+ ")
        answer = self.rfile.readline().strip()
        user, token = xoauth2_fields(answer)
        if user == self.store.user and token in self.store.tokens:
            return True
        error = {"status": "400", "schemes": "Bearer", "scope": "https://mail.google.com/"}
        challenge = self.store.error_challenge
        if challenge is None:
            challenge = base64.b64encode(json.dumps(error).encode()).decode()
        self.send("+ " + challenge)
        if not self.rfile.readline():  # the client's empty answer (none: it hung up)
            return False
        said = f" (got {token}, {answer.decode()})" if self.store.echo_refusals else ""
        self.send(f"{tag} {self.store.refusal}{said}")
        return False

    def _uid(self, tag: str, args: str, selected: list[Stored]) -> bool:
        sub, _, rest = args.partition(" ")
        sub = sub.upper()
        if sub == "SEARCH":
            uids = " ".join(str(m.uid) for m in selected if "\\Deleted" not in m.flags)
            self.send(f"* SEARCH {uids}".rstrip())
            return True
        uid_text, _, what = rest.partition(" ")
        found = [m for m in selected if str(m.uid) == uid_text]
        if not found:
            return True
        message = found[0]
        if sub == "FETCH":
            if self.store.fail_fetch:
                self.send(f"{tag} NO fetch failed")
                return False
            fields = re.search(r"HEADER\.FIELDS \(([^)]*)\)", what)
            if fields:
                section = f"HEADER.FIELDS ({fields.group(1)})"
                body = _header_fields(message.raw, fields.group(1).split())
            else:
                section, body = "", message.raw
            self.wfile.write(
                f"* 1 FETCH (UID {message.uid} BODY[{section}] {{{len(body)}}}\r\n".encode()
            )
            self.wfile.write(body + b")\r\n")
        elif sub == "STORE":
            message.flags |= set(re.findall(r"\\\w+", what))
        elif sub == "COPY":
            target = what.strip('"')
            self.store.deliver(message.raw, target)
        return True


def xoauth2_fields(answer: bytes | str) -> tuple[str, str]:
    """The user and the bearer token of a base64 XOAUTH2 response ("", "" when unreadable)."""
    try:
        fields = base64.b64decode(answer, validate=True).decode().split("\x01")
    except (binascii.Error, UnicodeDecodeError):
        fields = []
    user = next((f[5:] for f in fields if f.startswith("user=")), "")
    token = next((f[12:] for f in fields if f.startswith("auth=Bearer ")), "")
    return user, token


def serving(store: FakeMailStore) -> contextlib.AbstractContextManager[int]:
    """Serve `store` on 127.0.0.1 at a free port; yields the port."""
    return loopback(_Handler, store, "test-imap")


@contextlib.contextmanager
def loopback(handler_class: type, store: object, name: str) -> Iterator[int]:
    """Serve `handler_class` (its `store` set) on 127.0.0.1 at a free port; yields the port."""
    handler = type("Handler", (handler_class,), {"store": store})
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)
