"""The shape of a format's JSON (a Label Studio export, a brat sidecar), checked by a JSON
Schema under ``schema/`` instead of hand-written branches.

Each schema says, next to the rule, what the user is told when a value breaks it: the
keyword ``x-message`` on the failing subschema (reported at the value's path), and on an
object ``x-required-message`` for a missing property (reported at the object) or, failing
that, the missing property's own ``x-message`` (reported at the property). A reader turns
each :class:`ShapeError` into a located problem with its own code. ``{value}`` in a
message stands for the offending value. A reader that checks a part where it reaches it
(so that a malformed part is skipped and the rest still checked) names one of the
schema's ``$defs``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from corpus.schema import compiled_check, load_schema_file

#: the shape schemas, file names under ``schema/``
BRAT_SIDECAR = "brat-sidecar.schema.json"
LABEL_STUDIO_EXPORT = "labelstudio-export.schema.json"

JsonPath = tuple[str | int, ...]


@dataclass(frozen=True)
class ShapeError:
    """Where a JSON value breaks its schema, and what to tell the user."""

    path: JsonPath
    message: str


@cache
def _validator(name: str, definition: str | None) -> Any:
    from jsonschema import Draft202012Validator

    schema = load_schema_file(name)
    Draft202012Validator.check_schema(schema)
    if definition is not None:
        schema = {"$ref": f"#/$defs/{definition}", "$defs": schema["$defs"]}
    return Draft202012Validator(schema)


@cache
def _compiled(name: str, definition: str | None) -> Callable[[Any], bool]:
    """A yes/no check of the schema ``name`` (or its ``$defs`` entry), compiled once per
    process by ``jsonschema-rs`` (about a hundred times faster on these small values)."""
    schema = load_schema_file(name)
    if definition is not None:
        schema = {"$ref": f"#/$defs/{definition}", "$defs": schema["$defs"]}
    return compiled_check(schema)


def conforms(name: str, data: Any, definition: str | None = None) -> bool:
    """True only when ``data`` has the shape (then :func:`shape_errors` would find nothing);
    False means: ask :func:`shape_errors`, the authority for what is wrong and where."""
    return _compiled(name, definition)(data)


def shape_errors(name: str, data: Any, definition: str | None = None) -> list[ShapeError]:
    """Every place where ``data`` breaks the schema ``name`` (or its ``$defs`` entry
    ``definition``), in document order; paths are relative to ``data``."""
    found: dict[JsonPath, str] = {}
    for error in _validator(name, definition).iter_errors(data):
        path: JsonPath = tuple(error.absolute_path)
        schema = error.schema if isinstance(error.schema, Mapping) else {}
        if error.validator == "required" and isinstance(error.instance, Mapping):
            if "x-required-message" in schema:
                found.setdefault(path, schema["x-required-message"])
                continue
            for key in error.validator_value:
                if key not in error.instance:
                    sub = schema.get("properties", {}).get(key, {})
                    found.setdefault((*path, key), sub.get("x-message") or f"{key!r} is missing")
            continue
        message = schema.get("x-message")
        if message is None:
            found.setdefault(path, error.message)
        else:
            found.setdefault(path, message.replace("{value}", repr(error.instance)))
    return [ShapeError(path, message) for path, message in sorted(found.items(), key=_order)]


def _order(item: tuple[JsonPath, str]) -> tuple[tuple[int, int, str], ...]:
    return tuple((0, p, "") if isinstance(p, int) else (1, 0, p) for p in item[0])
