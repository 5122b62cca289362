"""The IR's nodes, each built once from its draft when its edges and trigger are known."""

from __future__ import annotations

from dataclasses import replace

from playbook.compiler.unit import Unit


def build_nodes(unit: Unit) -> Unit:
    nodes = []
    for draft in unit.drafts:
        links = unit.links[draft.id]
        values = {**draft.fields, "edges": links.edges, "trigger": links.trigger()}
        nodes.append(draft.cls.assembled(values))
    return replace(unit, nodes=tuple(nodes))
