"""The built-in `python` plugin: small utilities for runbooks (notify, sleep, throw).

`throw` exists so a runbook can rehearse its failure branches (retries, rollbacks) on purpose.
"""

from __future__ import annotations

import time
from typing import Any

from playbook.domain.plugins import (
    FunctionSignature,
    ParameterDef,
    Plugin,
    PluginMetadata,
    ReturnDef,
)

_LEVELS = ["info", "warning", "error"]


class PythonPlugin(Plugin):
    """Utilities that need no configuration and no external service."""

    def get_metadata(self) -> PluginMetadata:
        return PluginMetadata(
            name="python",
            version="1.0.0",
            author="Playbook",
            description="Built-in utilities: notify, sleep, throw",
            functions={
                "notify": FunctionSignature(
                    name="notify",
                    description="Print a notification for the operator",
                    parameters={
                        "message": ParameterDef(
                            type="str", required=True, description="Text to show"
                        ),
                        "level": ParameterDef(
                            type="str",
                            required=False,
                            default="info",
                            choices=_LEVELS,
                            description="Severity shown before the message",
                        ),
                    },
                    returns=ReturnDef(type="str", description="The message as shown"),
                    examples=[{"message": "Deployment complete!"}],
                ),
                "sleep": FunctionSignature(
                    name="sleep",
                    description="Wait a number of seconds",
                    parameters={
                        "seconds": ParameterDef(
                            type="int", required=True, min_value=0, description="How long"
                        ),
                    },
                    returns=ReturnDef(type="int", description="The seconds waited"),
                    examples=[{"seconds": 30}],
                ),
                "throw": FunctionSignature(
                    name="throw",
                    description="Fail on purpose, to exercise retries and failure branches",
                    parameters={
                        "message": ParameterDef(
                            type="str",
                            required=False,
                            default="failure requested by the runbook",
                            description="Error message",
                        ),
                    },
                    examples=[{"message": "simulated outage"}],
                ),
            },
        )

    def execute(self, function_name: str, params: dict[str, Any]) -> Any:
        if function_name == "notify":
            text = f"[{params['level'].upper()}] {params['message']}"
            print(text, flush=True)
            return text
        if function_name == "sleep":
            time.sleep(params["seconds"])
            return params["seconds"]
        if function_name == "throw":
            raise RuntimeError(params["message"])
        raise ValueError(f"unknown function {function_name!r}")
