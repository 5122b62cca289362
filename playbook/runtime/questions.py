"""The two questions the interpreter asks the operator about a node, and what each answer does.

Each returns the transition of the IR's node machine that the answer takes.
"""

from __future__ import annotations

from collections.abc import Sequence

from playbook.runtime.prompts import Prompter

#: The answers to a failure, in the order the menu offers them (the machine's rules say which).
AFTER_FAILURE = ("retry", "skip", "abort")
#: The answers about an attempt whose outcome is unknown: key → (word, transition).
_UNKNOWN_OUTCOME = {
    "r": ("run again", "rerun"),
    "s": ("succeeded", "mark_ok"),
    "f": ("failed", "mark_failed"),
}


def after_failure(prompter: Prompter, node_id: str, allowed: Sequence[str]) -> str:
    """Retry, skip or abort, among the answers `allowed`."""
    menu = {word[0]: word for word in allowed}
    return menu[prompter.choose(f"{node_id} failed. What now?", menu)]


def unknown_outcome(prompter: Prompter, node_id: str, attempt: int) -> str:
    """Run the node again, or record the attempt as succeeded or failed."""
    question = (
        f"{node_id}: attempt {attempt} was interrupted, outcome unknown. Run it again or record it?"
    )
    menu = {key: word for key, (word, _) in _UNKNOWN_OUTCOME.items()}
    return _UNKNOWN_OUTCOME[prompter.choose(question, menu)][1]
