"""Validation errors in words a person understands: no pydantic text, and "did you mean".

Pydantic says "Input should be a valid integer, unable to parse string as an integer"; an
editor needs "must be a whole number (not 'abc')". An unknown key gets the nearest known key
of the same table, or the table where that key lives.
"""

from __future__ import annotations

import difflib
import types
from collections.abc import Iterator
from typing import Any, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic_core import ErrorDetails

# How close a typo must be to a known key to be suggested (difflib's ratio, 0..1).
SUGGESTION_CUTOFF = 0.6
# Values longer than this are not repeated in a message.
MAX_SHOWN_VALUE = 40

PLAIN_WORDS = {
    "int_parsing": "must be a whole number",
    "int_type": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_parsing": "must be a number",
    "float_type": "must be a number",
    "bool_parsing": "must be true or false",
    "bool_type": "must be true or false",
    "string_type": 'must be text in quotes, e.g. "..."',
    "list_type": 'must be a list, e.g. ["first", "second"]',
    "dict_type": "must be a table of keys",
    "model_type": "must be a table of keys",
    "model_attributes_type": "must be a table of keys",
    "missing": "is required",
}


def _shown(value: Any) -> str:
    if isinstance(value, dict | list):
        return ""
    text = repr(value)
    return f" (not {text})" if len(text) <= MAX_SHOWN_VALUE else ""


def plain_message(error: ErrorDetails) -> str:
    """One pydantic error in plain words, without the table's other keys."""
    kind, context = error["type"], error.get("ctx") or {}
    if kind in PLAIN_WORDS:
        return PLAIN_WORDS[kind] + ("" if kind == "missing" else _shown(error.get("input")))
    bounds = {
        "greater_than_equal": ("at least", "ge"),
        "less_than_equal": ("at most", "le"),
        "greater_than": ("more than", "gt"),
        "less_than": ("less than", "lt"),
    }
    if kind in bounds:
        words, key = bounds[kind]
        return f"must be {words} {context.get(key)}{_shown(error.get('input'))}"
    if kind == "literal_error":
        return f"must be one of {context.get('expected')}{_shown(error.get('input'))}"
    return str(error["msg"]).removeprefix("Value error, ")


# --- did you mean ----------------------------------------------------------------------------


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds: itself, in a list, or optional."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = get_origin(annotation)
    if origin in (list, Union, types.UnionType) or str(origin).endswith("Annotated"):
        for argument in get_args(annotation):
            found = _model_of(argument)
            if found is not None:
                return found
    return None


def _keys(model: type[BaseModel]) -> dict[str, Any]:
    """The keys a table accepts (as the file spells them) and what each holds."""
    return {field.alias or name: field.annotation for name, field in model.model_fields.items()}


def _table_at(model: type[BaseModel], location: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The model of the table at `location` ('brand', or 'articles', 2)."""
    for part in location:
        if isinstance(part, int):
            continue
        annotation = _keys(model).get(part)
        found = _model_of(annotation)
        if found is None:
            return None
        model = found
    return model


def _tables(
    model: type[BaseModel], path: str = "", listed: bool = False
) -> Iterator[tuple[str, type[BaseModel]]]:
    """Every table of a file and how it is written: ('[brand]', Brand), ('[[articles]]', ...)."""
    if not path:
        yield "the top level (before any [table])", model
    else:
        yield (f"[[{path}]]" if listed else f"[{path}]"), model
    for key, annotation in _keys(model).items():
        inner = _model_of(annotation)
        if inner is not None and inner is not model:
            name = f"{path}.{key}" if path else key
            yield from _tables(inner, name, get_origin(annotation) is list)


def unknown_key_message(root: type[BaseModel], location: tuple[int | str, ...]) -> str:
    """'unknown key; did you mean `postal_address`?' for a key no table of this kind has."""
    key = str(location[-1])
    table = _table_at(root, location[:-1])
    if table is not None:
        close = difflib.get_close_matches(key, list(_keys(table)), n=1, cutoff=SUGGESTION_CUTOFF)
        if close:
            return f"unknown key; did you mean `{close[0]}`?"
    elsewhere = [(label, model) for label, model in _tables(root) if model is not table]
    for label, model in elsewhere:
        if key in _keys(model):
            return f"unknown key here; `{key}` belongs in {label}"
    for label, model in elsewhere:
        close = difflib.get_close_matches(key, list(_keys(model)), n=1, cutoff=SUGGESTION_CUTOFF)
        if close:
            return f"unknown key here; did you mean `{close[0]}` in {label}?"
    known = ", ".join(sorted(_keys(table))) if table is not None else ""
    return "unknown key (check the spelling)" + (f"; known keys: {known}" if known else "")
