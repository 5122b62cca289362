"""Diagrams of a compiled runbook, drawn from the IR only.

`to_dot` and `to_mermaid` are pure functions from a `Program` to text (one visitor, two
renderers); `render_image` hands the DOT text to Graphviz for a PNG or an SVG.
"""

from playbook.diagrams.dot import to_dot
from playbook.diagrams.images import IMAGE_FORMATS, render_image
from playbook.diagrams.mermaid import to_mermaid

__all__ = ["IMAGE_FORMATS", "render_image", "to_dot", "to_mermaid"]
