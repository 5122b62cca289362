"""Playbook: guardrails for humans running operations runbooks."""

__version__ = "0.1.0"
