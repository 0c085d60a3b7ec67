"""The reader thread: same events in the same order, errors where they happened, no thread left."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest

from xfinances.banking.read_ahead import read_ahead


def _numbers(count: int, fail_at: int | None = None) -> Iterator[int]:
    for n in range(count):
        if n == fail_at:
            raise ValueError(f"broken at {n}")
        yield n


def _reader_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "statement-reader"]


@pytest.mark.parametrize("count", [0, 1, 7, 8, 9, 1000])
def test_every_event_in_order(count: int) -> None:
    assert list(read_ahead(_numbers(count), chunk=4, depth=2)) == list(range(count))
    assert not _reader_threads()


@pytest.mark.parametrize("fail_at", [0, 3, 4, 9])
def test_an_error_comes_after_every_event_before_it(fail_at: int) -> None:
    seen: list[int] = []
    with pytest.raises(ValueError, match=f"broken at {fail_at}"):
        for n in read_ahead(_numbers(100, fail_at), chunk=4, depth=2):
            seen.append(n)
    assert seen == list(range(fail_at))
    assert not _reader_threads()


def test_a_consumer_that_stops_early_leaves_no_thread_behind() -> None:
    events = read_ahead(_numbers(10_000), chunk=4, depth=2)
    assert [next(events) for _ in range(10)] == list(range(10))
    events.close()  # as when the import refuses an entry half-way
    assert not _reader_threads()


def test_reading_starts_only_when_the_first_event_is_asked_for() -> None:
    started = []

    def reader() -> Iterator[int]:
        started.append(True)
        yield 1

    events = read_ahead(reader())
    assert not started and not _reader_threads()
    assert list(events) == [1]
