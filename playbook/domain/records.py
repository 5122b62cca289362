"""The pydantic-style methods that plugin code calls on the plugin models, without pydantic.

Plugins written for Playbook 1.3 build their metadata from pydantic models and call
`model_dump()`, `model_validate()` and `model_copy()` on them, and may pass nested plain dicts
where a model is expected. `Record` gives the dataclasses of `playbook.domain.plugins` those
methods, so such plugins run unchanged while no command pays for importing pydantic.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Collection, Mapping
from typing import Any, Self


class RecordValidationError(ValueError):
    """A dict that does not describe the model (pydantic's `ValidationError` is a ValueError too)."""


class Record:
    """Mixin for dataclasses: dump to dicts and JSON, validate from dicts, copy with updates."""

    @classmethod
    def model_validate(cls, obj: Any) -> Self:
        """`obj` as this model: an instance is returned as is, a mapping is checked and built."""
        if isinstance(obj, cls):
            return obj
        if not isinstance(obj, Mapping):
            raise RecordValidationError(
                f"{cls.__name__}: expected a mapping or a {cls.__name__}, got {type(obj).__name__}"
            )
        fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
        unknown = [key for key in obj if key not in fields]
        if unknown:
            raise RecordValidationError(
                f"{cls.__name__}: unknown field {unknown[0]!r}; "
                f"expected some of {', '.join(fields)}"
            )
        missing = [
            name
            for name, spec in fields.items()
            if name not in obj
            and spec.default is dataclasses.MISSING
            and spec.default_factory is dataclasses.MISSING
        ]
        if missing:
            raise RecordValidationError(f"{cls.__name__}: field {missing[0]!r} is required")
        return cls(**obj)

    def model_dump(
        self,
        *,
        mode: str = "python",
        include: Collection[str] | None = None,
        exclude: Collection[str] | None = None,
        exclude_none: bool = False,
        exclude_defaults: bool = False,
    ) -> dict[str, Any]:
        """The fields as a dict, nested models as dicts; `mode="json"` gives JSON-ready values."""
        data: dict[str, Any] = {}
        for spec in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, spec.name)
            if include is not None and spec.name not in include:
                continue
            if exclude is not None and spec.name in exclude:
                continue
            if exclude_none and value is None:
                continue
            if exclude_defaults and value == _default_of(spec):
                continue
            data[spec.name] = _plain(value, exclude_none=exclude_none)
        return json.loads(json.dumps(data, default=str)) if mode == "json" else data

    def model_dump_json(self, *, indent: int | None = None, **options: Any) -> str:
        """JSON text, compact unless `indent` is given (as pydantic writes it)."""
        separators = (",", ":") if indent is None else None
        return json.dumps(
            self.model_dump(mode="json", **options), indent=indent, separators=separators
        )

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy with `update` applied; `deep=True` copies nested values too."""
        duplicate = copy.deepcopy(self) if deep else copy.copy(self)
        for name, value in (update or {}).items():
            setattr(duplicate, name, value)
        return duplicate


def nested(value: Any, model: type[Record]) -> Any:
    """`value` as `model` when it is a plain mapping (as pydantic accepts), else unchanged."""
    if isinstance(value, Mapping) and not isinstance(value, Record):
        return model.model_validate(value)
    return value


def _default_of(spec: dataclasses.Field[Any]) -> Any:
    if spec.default_factory is not dataclasses.MISSING:
        return spec.default_factory()
    return None if spec.default is dataclasses.MISSING else spec.default


def _plain(value: Any, *, exclude_none: bool) -> Any:
    if isinstance(value, Record):
        return value.model_dump(exclude_none=exclude_none)
    if isinstance(value, dict):
        return {key: _plain(item, exclude_none=exclude_none) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_plain(item, exclude_none=exclude_none) for item in value)
    return value
