"""Which nodes may start: those whose upstream nodes have all settled, earliest in the IR first.

The order and the edges come from the IR; all this keeps is what changes during a run: how many
upstream nodes each node still waits for. Taking ready nodes by their position in the IR's
topological order makes a one-at-a-time run follow that order exactly, and a run of N at a time
start nodes in the same order as they become ready.
"""

from __future__ import annotations

import heapq
from collections.abc import Iterable

from playbook.compiler.ir import Node, Program


class Scheduler:
    def __init__(self, program: Program, settled: Iterable[str]) -> None:
        self._nodes = [program.node(node_id) for node_id in program.order]
        position = self._position = program.positions
        done = {position[node_id] for node_id in settled if node_id in position}
        # A settled node waits for nothing: a runbook edited since the run started (`resume
        # --force`) may put it after a node that runs again, and it must not run a second time.
        self._followers: list[list[int]] = [[] for _ in self._nodes]
        self._waiting = [0] * len(self._nodes)
        for index, node in enumerate(self._nodes):
            if index in done:
                continue
            for upstream in node.upstream:
                self._followers[position[upstream]].append(index)
            self._waiting[index] = len(node.edges)
        self._unsettled = len(self._nodes)
        for index in done:
            self._release(index)
        self._ready = [
            index for index, count in enumerate(self._waiting) if count == 0 and index not in done
        ]
        heapq.heapify(self._ready)

    def is_active(self) -> bool:
        """Some node has not settled yet."""
        return self._unsettled > 0

    def next_ready(self) -> Node | None:
        """The earliest node (in the IR's order) whose upstream nodes have all settled."""
        return self._nodes[heapq.heappop(self._ready)] if self._ready else None

    def done(self, node_id: str) -> None:
        """`node_id` settled: its followers wait for one node fewer."""
        for follower in self._release(self._position[node_id]):
            heapq.heappush(self._ready, follower)

    def _release(self, index: int) -> list[int]:
        self._unsettled -= 1
        freed = []
        for follower in self._followers[index]:
            self._waiting[follower] -= 1
            if self._waiting[follower] == 0:
                freed.append(follower)
        return freed
