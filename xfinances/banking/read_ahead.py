"""Reading a statement file in a thread while the import stores what was read before.

A large import spends its time in two places: reading the file (Python and lxml, holding the
interpreter lock) and waiting for the database to store a batch and check its foreign keys
(the lock released while the driver waits). `read_ahead(events)` runs the reader in a thread,
a bounded number of chunks ahead, so the reading goes on while the database works.

The reader's events come out in the same order, and an error the reader raises comes out
where it happened, after every event before it: the import refuses a file exactly as it did
when it read the file itself. The thread only reads (readers are pure: no database, no
translation), and it is finished before `read_ahead` returns, whether the import used every
event or stopped early: nothing touches the file after the import is over.

Pure: no database.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")

CHUNK = 500  # events handed over at a time (one queue operation each, not one per event)
DEPTH = 8  # chunks read ahead at most: bounded memory whatever the size of the file
_POLL = 0.1  # seconds between looks at whether the consumer has stopped


class _Done:
    """The reader's last word: the end of its events, or the error that stopped it."""

    def __init__(self, error: BaseException | None = None) -> None:
        self.error = error


def read_ahead(events: Iterable[T], *, chunk: int = CHUNK, depth: int = DEPTH) -> Iterator[T]:
    """The events of `events`, read in a thread up to `depth` chunks of `chunk` ahead."""
    handover: queue.Queue[list[T] | _Done] = queue.Queue(maxsize=depth)
    stopped = threading.Event()

    def put(item: list[T] | _Done) -> bool:
        while not stopped.is_set():
            try:
                handover.put(item, timeout=_POLL)
            except queue.Full:
                continue
            return True
        return False

    def produce() -> None:
        batch: list[T] = []
        try:
            for event in events:
                batch.append(event)
                if len(batch) >= chunk:
                    if not put(batch):
                        return
                    batch = []
        except BaseException as error:  # handed to the consumer, raised there
            if not batch or put(batch):
                put(_Done(error))
            return
        if not batch or put(batch):
            put(_Done())

    thread = threading.Thread(target=produce, name="statement-reader", daemon=True)
    thread.start()
    try:
        while True:
            item = handover.get()
            if isinstance(item, _Done):
                if item.error is not None:
                    raise item.error
                return
            yield from item
    finally:
        stopped.set()
        thread.join()
