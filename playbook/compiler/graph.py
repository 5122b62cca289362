"""Topological order and cycle paths, both iterative so 100,000-node chains are fine."""

from __future__ import annotations

import heapq

from playbook.compiler.ir import Node
from playbook.compiler.source import Source


def topological_order(source: Source, nodes: list[Node]) -> tuple[str, ...]:
    """Kahn's algorithm; among ready nodes, declaration order decides.

    An edge to a node that was dropped for another error is left out, so the cycles among the
    remaining nodes are still found and reported with that error.
    """
    index = {node.id: position for position, node in enumerate(nodes)}
    waiting = [0] * len(nodes)
    downstream: list[list[int]] = [[] for _ in nodes]
    for position, node in enumerate(nodes):
        for edge in node.edges:
            if edge.source in index:
                downstream[index[edge.source]].append(position)
                waiting[position] += 1
    ready = [position for position, count in enumerate(waiting) if count == 0]
    heapq.heapify(ready)
    order: list[str] = []
    while ready:
        position = heapq.heappop(ready)
        order.append(nodes[position].id)
        for follower in downstream[position]:
            waiting[follower] -= 1
            if waiting[follower] == 0:
                heapq.heappush(ready, follower)
    if len(order) < len(nodes):
        _report_cycle(source, nodes, index, {p for p, count in enumerate(waiting) if count > 0})
    return tuple(order)


def _report_cycle(
    source: Source, nodes: list[Node], index: dict[str, int], stuck: set[int]
) -> None:
    """Walk upstream from a stuck node until a node repeats: that loop is a cycle."""
    start = min(stuck)
    path = [start]
    seen = {start: 0}
    current = start
    while True:
        current = next(
            index[e.source]
            for e in nodes[current].edges
            if e.source in index and index[e.source] in stuck
        )
        if current in seen:
            loop = path[seen[current] :]
            break
        seen[current] = len(path)
        path.append(current)
    # Upstream walk gives dependents first; show it in execution order, closed.
    ids = [nodes[p].id for p in reversed(loop)]
    first = min(loop)
    rotated = ids[ids.index(nodes[first].id) :] + ids[: ids.index(nodes[first].id)]
    text = " → ".join([*rotated, rotated[0]])
    members = set(loop)
    kinds = {e.kind for p in loop for e in nodes[p].edges if index.get(e.source) in members}
    hint = "remove one of these dependencies"
    if "condition" in kinds:
        hint += " (a node named in a `when` condition is waited for, so it counts as one)"
    # Point at the field that makes the first node wait inside the loop.
    upstream = nodes[loop[(loop.index(first) + 1) % len(loop)]].id
    kind = next(e.kind for e in nodes[first].edges if e.source == upstream)
    key = "when" if kind == "condition" else "depends_on"
    source.report(f"dependency cycle: {text}", path=(nodes[first].id,), key=key, hint=hint)
