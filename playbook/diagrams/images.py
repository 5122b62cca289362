"""PNG and SVG images of a DOT diagram, drawn by Graphviz's own `dot` program."""

from __future__ import annotations

from playbook.diagnostics import PlaybookError

IMAGE_FORMATS = ("png", "svg")


def render_image(dot_text: str, image_format: str) -> bytes:
    """The image `dot` draws from `dot_text`; a missing or failing `dot` is the user's to fix."""
    import graphviz  # only images need it: DOT and Mermaid text do not

    try:
        return graphviz.pipe("dot", image_format, dot_text.encode("utf-8"), quiet=True)
    except graphviz.ExecutableNotFound:
        raise PlaybookError.single(
            "Graphviz is not installed: the `dot` program was not found on PATH",
            hint="install it (`sudo apt-get install graphviz` on Debian/Ubuntu, "
            "`brew install graphviz` on macOS), or write text that needs no Graphviz "
            "with `-o FILE.dot` or `-o FILE.mmd`",
        ) from None
    except graphviz.CalledProcessError as error:
        detail = (error.stderr or b"").decode("utf-8", "replace").strip()
        raise PlaybookError.single(
            f"Graphviz could not draw the diagram: {detail or error}"
        ) from None
