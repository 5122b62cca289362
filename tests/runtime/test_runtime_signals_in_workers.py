"""A signal the system hands to a worker thread still stops the run at once.

Python runs signal handlers on its main thread only; when the kernel delivers SIGTERM or CTRL-C
to a thread that runs a command, the interpreter's thread must notice by itself. Here the signal
is sent to a worker thread on purpose, as the kernel may do under load.
"""

from __future__ import annotations

import signal
import threading
import time
from collections.abc import Iterator

import pytest

from playbook.compiler.ir import NodeState
from playbook.runtime.outcome import AttemptOutcome
from playbook.runtime.workers import Workers


class Stop(Exception):
    pass


@pytest.fixture
def stop_on_sigusr1() -> Iterator[None]:
    def handler(signum: int, frame: object) -> None:
        raise Stop

    previous = signal.signal(signal.SIGUSR1, handler)
    yield
    signal.signal(signal.SIGUSR1, previous)


def test_a_signal_delivered_to_a_worker_interrupts_the_wait(stop_on_sigusr1: None) -> None:
    workers = Workers(2)  # with room for one, attempts run on the interpreter's thread
    release = threading.Event()
    busy = threading.Event()

    def work() -> AttemptOutcome:
        busy.set()
        release.wait(10)  # a long command
        return AttemptOutcome(NodeState.OK)

    workers.submit("long", work)
    busy.wait(5)
    (worker,) = [t for t in threading.enumerate() if t.name == "playbook-worker-0"]
    threading.Timer(0.3, signal.pthread_kill, (worker.ident, signal.SIGUSR1)).start()
    started = time.monotonic()
    try:
        with pytest.raises(Stop):
            workers.next_done()
        assert time.monotonic() - started < 2
    finally:
        release.set()
        workers.close()
