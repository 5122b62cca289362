"""The `example` plugin used by the specification's "Automatic Type Conversion" runbook."""

from typing import Any

from playbook.domain.plugins import (
    FunctionSignature,
    ParameterDef,
    Plugin,
    PluginMetadata,
    ReturnDef,
)


class ExamplePlugin(Plugin):
    """Builds an alert and returns it; a real plugin would post it to a paging service."""

    def __init__(self) -> None:
        self.prefix = ""

    def get_metadata(self) -> PluginMetadata:
        return PluginMetadata(
            name="example",
            version="1.0.0",
            author="Your Name",
            description="Example alerting plugin",
            functions={
                "send_alert": FunctionSignature(
                    name="send_alert",
                    description="Send an alert, flagged when urgent",
                    parameters={
                        "message": ParameterDef(type="str", required=True, description="Text"),
                        "urgent": ParameterDef(
                            type="bool",
                            required=False,
                            default=False,
                            description="Page someone now",
                        ),
                    },
                    returns=ReturnDef(type="str", description="The alert as sent"),
                )
            },
            config_schema={
                "prefix": ParameterDef(
                    type="str", required=False, default="", description="Put before each alert"
                )
            },
        )

    def initialize(self, config: dict[str, Any]) -> None:
        self.prefix = config["prefix"]

    def execute(self, function_name: str, params: dict[str, Any]) -> str:
        if function_name != "send_alert":
            raise ValueError(f"unknown function {function_name!r}")
        return f"{self.prefix}{'URGENT: ' if params['urgent'] else ''}{params['message']}"
