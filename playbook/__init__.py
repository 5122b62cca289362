"""Playbook: guardrails for humans running operations runbooks."""

__version__ = "1.4.0"
