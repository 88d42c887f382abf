"""Domain values ↔ JSON documents, for storing them in a row and showing them over HTTP.

Agencies' domain values (a case with its timeline and deadlines, a report, a transfer, …) are frozen
dataclasses. :func:`dump` turns one into plain JSON; :func:`load` rebuilds it from its type hints, so a
stored value comes back exactly as the domain left it. No rules here, and no knowledge of any service.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import date, datetime
from enum import Enum
from typing import Any

from shared.deadlines import Deadline


def dump(value: Any) -> Any:
    if isinstance(value, Deadline):
        return value.as_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: dump(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [dump(v) for v in value]
    if isinstance(value, dict):
        return {k: dump(v) for k, v in value.items()}
    return value


def load(tp: Any, raw: Any) -> Any:
    """Rebuild a value of type ``tp`` (a dataclass, or any hint used on one) from :func:`dump`'s output."""
    if raw is None:
        return None
    origin, args = typing.get_origin(tp), typing.get_args(tp)
    if origin in (typing.Union, types.UnionType):
        return load(next(a for a in args if a is not type(None)), raw)
    if tp is Deadline:
        return Deadline.from_dict(raw)
    if tp is datetime:
        return datetime.fromisoformat(raw)
    if tp is date:
        return date.fromisoformat(raw)
    if isinstance(tp, type) and issubclass(tp, Enum):
        return tp(raw)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        return tp(**{f.name: load(hints[f.name], raw[f.name])
                     for f in dataclasses.fields(tp) if f.init and f.name in raw})
    if origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return tuple(load(args[0], v) for v in raw)
        return tuple(load(a, v) for a, v in zip(args, raw, strict=True))
    return raw
