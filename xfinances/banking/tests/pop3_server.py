"""A tiny POP3 server (RFC 1939, STLS from RFC 2595, AUTH from RFC 5034) on loopback for the
mailbox tests: one user and one maildrop, the commands `sources/mailbox.py` sends (CAPA, STLS,
USER, PASS, AUTH XOAUTH2, UIDL, TOP, RETR, DELE, QUIT), TLS from the start or by STLS. Enough
protocol to be honest, no more: the maildrop is read at login, deletions happen at QUIT only
(a dropped connection deletes nothing), multi-line answers are dot-stuffed.
"""

from __future__ import annotations

import base64
import contextlib
import json
import socket
import socketserver
import ssl
from dataclasses import dataclass, field

from xfinances.banking.tests.imap_server import loopback, xoauth2_fields


@dataclass
class Dropped:
    uid: str
    raw: bytes


@dataclass
class FakeMaildrop:
    user: str = "statements@firma.bg"
    password: str = "Parola-2026"
    messages: list[Dropped] = field(default_factory=list)
    tokens: set[str] = field(default_factory=set)  # access tokens XOAUTH2 accepts
    tls: ssl.SSLContext | None = None  # offered by STLS, or from the start
    tls_from_start: bool = False
    top: bool = True  # TOP is optional in POP3
    echo_refusals: bool = False  # a careless server repeats what it was sent
    xoauth2: bool = True  # offered (SASL XOAUTH2); off: AUTH XOAUTH2 is refused at once
    refusal: str = "-ERR [AUTH] Invalid credentials"  # the end of a refused token
    error_challenge: str | None = None  # sent instead of the base64 JSON error (None: the JSON)
    logins: int = 0
    tls_sessions: int = 0
    commands: list[str] = field(default_factory=list)  # verbs as received, no arguments
    next_id: int = 1

    def deliver(self, raw: bytes) -> Dropped:
        # UIDLs unlike the message numbers, as real servers give them.
        message = Dropped(f"X{self.next_id * 7919:08x}.pop", raw)
        self.next_id += 1
        self.messages.append(message)
        return message


class _Handler(socketserver.StreamRequestHandler):
    store: FakeMaildrop

    def send(self, line: str | bytes) -> None:
        data = line if isinstance(line, bytes) else line.encode()
        self.sock.sendall(data + b"\r\n")

    def _start_tls(self) -> None:
        assert self.store.tls is not None
        self.sock = self.store.tls.wrap_socket(self.sock, server_side=True)
        self.rfile = self.sock.makefile("rb")
        self.store.tls_sessions += 1

    def _read(self) -> str:
        raw = self.rfile.readline()
        if not raw:
            raise ConnectionAbortedError("the client went away")
        return raw.decode(errors="replace").rstrip("\r\n")

    def _multi(self, lines: list[bytes]) -> None:
        self.send("+OK")
        for line in lines:
            self.send(b"." + line if line.startswith(b".") else line)
        self.send(".")

    def handle(self) -> None:
        self.sock: socket.socket = self.connection
        try:
            if self.store.tls_from_start:
                self._start_tls()
            self._talk()
        except OSError:
            return  # the client went away (or failed the TLS handshake)
        finally:
            with contextlib.suppress(OSError):
                self.sock.close()

    def _talk(self) -> None:
        self.send("+OK POP3 test server ready")
        user = ""
        drop: list[Dropped] | None = None  # the maildrop, fixed at login
        deleted: set[int] = set()
        while True:
            line = self._read()
            verb, _, args = line.partition(" ")
            verb = verb.upper()
            self.store.commands.append(verb)
            if verb == "CAPA":
                caps = ["USER", "UIDL"] + (["SASL XOAUTH2"] if self.store.xoauth2 else [])
                caps += ["TOP"] if self.store.top else []
                if self.store.tls is not None and not self.store.tls_from_start:
                    caps.append("STLS")
                self._multi([c.encode() for c in caps])
            elif verb == "STLS" and self.store.tls is not None:
                self.send("+OK begin TLS")
                self._start_tls()
            elif verb == "USER":
                user = args
                self.send("+OK")
            elif verb == "PASS":
                if (user, args) != (self.store.user, self.store.password):
                    self.send("-ERR [AUTH] Invalid credentials")
                    continue
                drop = self._login()
                self.send("+OK maildrop locked")
            elif verb == "AUTH" and args.upper() == "XOAUTH2" and self.store.xoauth2:
                if self._xoauth2():
                    drop = self._login()
            elif verb == "QUIT":
                if drop is not None:
                    gone = {id(drop[n - 1]) for n in deleted}
                    self.store.messages[:] = [m for m in self.store.messages if id(m) not in gone]
                self.send("+OK bye")
                return
            elif drop is None:
                self.send("-ERR sign in first")
            else:
                self._transaction(verb, args, drop, deleted)

    def _login(self) -> list[Dropped]:
        self.store.logins += 1
        return list(self.store.messages)

    def _xoauth2(self) -> bool:
        self.send("+ ")
        answer = self._read()
        user, token = xoauth2_fields(answer)
        if user == self.store.user and token in self.store.tokens:
            self.send("+OK signed in")
            return True
        error = {"status": "401", "schemes": "bearer", "scope": "https://mail.google.com/"}
        challenge = self.store.error_challenge
        if challenge is None:
            challenge = base64.b64encode(json.dumps(error).encode()).decode()
        self.send("+ " + challenge)
        self._read()  # the client's empty answer
        said = f" (got {token}, {answer})" if self.store.echo_refusals else ""
        self.send(f"{self.store.refusal}{said}")
        return False

    def _transaction(self, verb: str, args: str, drop: list[Dropped], deleted: set[int]) -> None:
        numbers = [n for n in range(1, len(drop) + 1) if n not in deleted]
        if verb == "UIDL":
            self._multi([f"{n} {drop[n - 1].uid}".encode() for n in numbers])
            return
        if verb == "NOOP":
            self.send("+OK")
            return
        parts = args.split()
        number = int(parts[0]) if parts and parts[0].isdigit() else 0
        if number not in numbers:
            self.send("-ERR no such message")
            return
        raw = drop[number - 1].raw
        if verb == "RETR":
            self._multi(raw.split(b"\r\n")[:-1] if raw.endswith(b"\r\n") else raw.split(b"\r\n"))
        elif verb == "TOP" and self.store.top:
            head = raw.split(b"\r\n\r\n", 1)[0]
            self._multi([*head.split(b"\r\n"), b""])
        elif verb == "DELE":
            deleted.add(number)
            self.send(f"+OK message {number} deleted")
        else:
            self.send("-ERR unknown command")


def serving(store: FakeMaildrop) -> contextlib.AbstractContextManager[int]:
    """Serve `store` on 127.0.0.1 at a free port; yields the port."""
    return loopback(_Handler, store, "test-pop3")
