"""Slack notifications for Playbook runbooks."""

from slack_notifier.plugin import SlackNotifierPlugin

__all__ = ["SlackNotifierPlugin"]
__version__ = "1.0.0"
