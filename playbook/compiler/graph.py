"""Topological order and cycle paths, both iterative so 100,000-node chains are fine."""

from __future__ import annotations

from playbook.compiler.ir import Node
from playbook.compiler.source import Findings
from playbook.compiler.unit import Unit


def order_nodes(unit: Unit) -> Unit:
    """The order a one-at-a-time run follows; a cycle is an error naming its path."""
    found = Findings(unit.source)
    order = topological_order(found, unit.nodes)
    return unit.adding(found, order=order)


def topological_order(found: Findings, nodes: tuple[Node, ...]) -> tuple[str, ...]:
    """Every node after what it waits for, as Playbook 1.3 orders a run: nodes in declaration
    order, each preceded by its not yet ordered upstream nodes, depth first, in the order its
    `depends_on` lists them.

    With backward references only this is the declaration order; a node that names a later
    one pulls it forward to just before itself, where 1.3 runs it too. Empty on a cycle, which
    is reported instead. An edge to a node that was dropped for another error is left out, so
    the cycles among the remaining nodes are still found and reported with that error.
    """
    index = {node.id: position for position, node in enumerate(nodes)}
    if _declared_in_order(nodes, index):
        return tuple(index)
    stuck = _stuck(nodes, index)
    if stuck:
        _report_cycle(found, nodes, index, stuck)
        return ()
    return tuple(nodes[position].id for position in _depth_first(nodes, index))


def _declared_in_order(nodes: tuple[Node, ...], index: dict[str, int]) -> bool:
    """Whether every node waits only for nodes declared before it, as most runbooks are
    written: the order is then the declaration order, and there is no cycle."""
    return all(
        index.get(edge.source, -1) < position
        for position, node in enumerate(nodes)
        for edge in node.edges
    )


def _stuck(nodes: tuple[Node, ...], index: dict[str, int]) -> set[int]:
    """The nodes on or behind a cycle: those that Kahn's algorithm never frees."""
    waiting = [0] * len(nodes)
    downstream: list[list[int]] = [[] for _ in nodes]
    for position, node in enumerate(nodes):
        for edge in node.edges:
            if edge.source in index:
                downstream[index[edge.source]].append(position)
                waiting[position] += 1
    ready = [position for position, count in enumerate(waiting) if count == 0]
    while ready:
        for follower in downstream[ready.pop()]:
            waiting[follower] -= 1
            if waiting[follower] == 0:
                ready.append(follower)
    return {position for position, count in enumerate(waiting) if count > 0}


def _depth_first(nodes: tuple[Node, ...], index: dict[str, int]) -> list[int]:
    """Post-order of a depth-first walk of an acyclic graph along upstream edges."""
    seen = [False] * len(nodes)
    order: list[int] = []
    for root in range(len(nodes)):
        if seen[root]:
            continue
        seen[root] = True
        # Each entry: a node and how many of its upstream edges have been followed.
        path = [(root, 0)]
        while path:
            position, followed = path[-1]
            edges = nodes[position].edges
            if followed == len(edges):
                path.pop()
                order.append(position)
                continue
            path[-1] = (position, followed + 1)
            upstream = index.get(edges[followed].source)
            if upstream is not None and not seen[upstream]:
                seen[upstream] = True
                path.append((upstream, 0))
    return order


def _report_cycle(
    found: Findings, nodes: tuple[Node, ...], index: dict[str, int], stuck: set[int]
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
    found.report(f"dependency cycle: {text}", path=(nodes[first].id,), key=key, hint=hint)
