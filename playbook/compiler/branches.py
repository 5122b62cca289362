"""Branches that can never run, found by evaluating conditions over every possible outcome."""

from __future__ import annotations

from playbook.compiler.unit import Unit


def find_impossible_branches(unit: Unit) -> Unit:
    return unit
