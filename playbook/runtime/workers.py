"""Attempts run on background threads, at most N at a time; finished ones come back in turn.

Only the work itself runs on a worker: the interpreter's thread records every transition, asks
every question and decides every failure, so prompts never interleave and the state database has
one writer. With room for one attempt (the sequential case) there is no thread: an attempt runs
when it is submitted, on the interpreter's thread, and the loop that drives the pool is the same.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable

from playbook.runtime.outcome import AttemptOutcome
from playbook.runtime.prompts import WAKE_S

Work = Callable[[], AttemptOutcome]
#: How long a stopping run waits for its attempts to end (a command's group gets SIGINT, then
#: SIGKILL after its own grace period); a plugin function still running then is left behind.
STOP_GRACE_S = 5.0


class Workers:
    def __init__(self, size: int) -> None:
        self.size = size
        self._jobs: queue.SimpleQueue[tuple[str, Work] | None] = queue.SimpleQueue()
        self._done: queue.SimpleQueue[tuple[str, AttemptOutcome | BaseException]] = (
            queue.SimpleQueue()
        )
        self._running: set[str] = set()
        # Daemon threads: a plugin function that never returns must not keep Playbook from exiting.
        self._threads = [
            threading.Thread(target=self._serve, name=f"playbook-worker-{n}", daemon=True)
            for n in range(size if size > 1 else 0)
        ]
        for thread in self._threads:
            thread.start()

    @property
    def running(self) -> frozenset[str]:
        """The nodes whose attempt is in progress."""
        return frozenset(self._running)

    def has_room(self) -> bool:
        return len(self._running) < self.size

    def submit(self, node_id: str, work: Work) -> None:
        self._running.add(node_id)
        if self._threads:
            self._jobs.put((node_id, work))
            return
        try:
            result = work()
        except BaseException:  # CTRL-C during the attempt: nothing is left running
            self._running.discard(node_id)
            raise
        self._done.put((node_id, result))

    def next_done(self) -> tuple[str, AttemptOutcome]:
        """The next attempt to finish; an error raised by its work is raised here.

        The wait wakes every `WAKE_S`: a signal (CTRL-C, SIGTERM) that the system hands to a
        worker thread only marks itself for the main thread, which must come back to Python to
        act on it; blocked for good in one wait, it never would.
        """
        while True:
            try:
                node_id, result = self._done.get(timeout=WAKE_S)
                break
            except queue.Empty:
                continue
        self._running.discard(node_id)
        if isinstance(result, BaseException):
            raise result
        return node_id, result

    def drain(self, timeout: float = STOP_GRACE_S) -> dict[str, AttemptOutcome | None]:
        """The outcome of each running attempt that ends within `timeout`; None for the rest.

        Used when the run stops, so an attempt whose work raised counts as one without outcome.
        """
        outcomes: dict[str, AttemptOutcome | None] = dict.fromkeys(self._running)
        deadline = time.monotonic() + timeout
        while self._running:
            try:
                node_id, result = self._done.get(timeout=max(deadline - time.monotonic(), 0))
            except queue.Empty:
                break
            self._running.discard(node_id)
            outcomes[node_id] = result if isinstance(result, AttemptOutcome) else None
        return outcomes

    def close(self) -> None:
        for _ in self._threads:
            self._jobs.put(None)

    def _serve(self) -> None:
        while (job := self._jobs.get()) is not None:
            node_id, work = job
            try:
                result: AttemptOutcome | BaseException = work()
            except BaseException as error:  # handed to the interpreter's thread, raised there
                result = error
            self._done.put((node_id, result))
