"""The wording of every problem: pydantic's errors turned into the file's field path, the bad
value and what is allowed.

pydantic does the checking: the number and date types of :mod:`gasroutes.core.limits`
refuse what it would otherwise convert without a word (true/false as a number, a number
as a date), and every union of the schema is discriminated (a tagged union: ``kind`` for
events and rules, the value's shape for schedules), so that an error is reported for the
member the value was meant for only. This module only words the errors."""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import itertools
import re
import types
import typing
from collections.abc import Callable
from typing import Any

from pydantic import BaseModel, Tag

from gasroutes.core.limits import MAX_HORIZON_DAYS, MAX_HORIZON_YEARS
from gasroutes.core.yamlio import join_path
from gasroutes.scenario.components import ID_PATTERN

__all__ = ["Locate", "Problem", "pydantic_problems", "shown"]


Problem = tuple[str, str, Any, str, str]  # file, path, value, allowed, problem


Locate = Callable[[str, Any, str, str], Problem]


def _root() -> Any:
    from gasroutes.scenario.model import Scenario

    return Scenario


_DATE = "a real calendar date written YYYY-MM-DD"


_ID_RULE = "a lowercase id (letters a-z, digits and _, starting with a letter)"


_NAME_RULE = (
    "letters, digits, '_', '.' and '-', starting with a letter or digit (it names the "
    "output folder)"
)


_TYPES = {  # pydantic error type: (problem, allowed)
    "float_type": ("not a number", "a number"),
    "finite_number": ("not a finite number", "a finite number"),
    "float_parsing": ("not a number", "a number"),
    "int_type": ("not a whole number", "a whole number"),
    "int_parsing": ("not a whole number", "a whole number"),
    "int_from_float": ("not a whole number", "a whole number"),
    "string_type": ("not a string", "a string"),
    "bool_type": ("not true or false", "true or false"),
    "bool_parsing": ("not true or false", "true or false"),
    "date_type": ("not a date", _DATE),
    "date_parsing": ("not a date", _DATE),
    "date_from_datetime_parsing": ("not a date", _DATE),
    "date_from_datetime_inexact": ("not a date", _DATE),
    "dict_type": ("not a mapping", "a mapping (key: value)"),
    "model_type": ("not a mapping", "a mapping (key: value)"),
    "model_attributes_type": ("not a mapping", "a mapping (key: value)"),
    "list_type": ("not a list", "a list"),
    "tuple_type": ("not a list", "a list"),
    # the validators of gasroutes.core.limits
    "bool_is_not_number": ("true/false is not a number", "a number"),
    "number_is_not_date": ("a number is not a date", _DATE),
}


_BOUNDS = {
    "greater_than": (">", "too small"),
    "greater_than_equal": (">=", "too small"),
    "less_than": ("<", "too large"),
    "less_than_equal": ("<=", "too large"),
}


@dataclasses.dataclass
class _Error:
    """One pydantic error with its location rendered as it appears in the file."""

    detail: Any  # pydantic's ErrorDetails
    path: str  # events[3].route, without union tags and branch names
    model_loc: tuple[Any, ...]  # pydantic's loc with the tags and branch names kept
    annotation: Any  # the type expected at the end of the location
    key: bool  # the error is about a mapping key, not its value


def pydantic_problems(
    errors: Any, raw: dict[str, Any], root: Any = None
) -> list[tuple[str, Any, str, str]]:
    """pydantic's errors for ``raw`` (validated as ``root``, the Scenario by default) as
    (path, value, allowed, problem), in the words of the file."""
    root = root if root is not None else _root()
    located = [_locate(e, root) for e in errors]
    # a tuple that is "too short after validation" only because an item failed: say the item
    located = [
        e
        for e in located
        if not (
            e.detail["type"] == "too_short"
            and any(o.path.startswith((f"{e.path}.", f"{e.path}[")) for o in located)
        )
    ]
    return [_describe(e, raw, root) for e in located]


def _locate(detail: Any, root: Any) -> _Error:
    """Render pydantic's location as the file's path (``events[3].route``), dropping union
    tags and branch names, which are not in the file."""
    path = ""
    annotation: Any = root
    key = False
    for part in detail["loc"]:
        if part == "[key]":
            key = True
            continue
        parent = annotation
        annotation, skip = _step(annotation, part)
        if skip:
            continue
        if isinstance(part, int) and typing.get_origin(_unwrap(parent)) is not dict:
            path = f"{path}[{part}]"
        else:  # pydantic writes a date key as its repr
            date = re.fullmatch(r"datetime\.date\((\d+), (\d+), (\d+)\)", str(part))
            path = join_path(path, dt.date(*map(int, date.groups())) if date else part)
    return _Error(detail, path, tuple(detail["loc"]), annotation, key)


def _describe(e: _Error, raw: dict[str, Any], root: Any) -> tuple[str, Any, str, str]:
    """(path, value, allowed, problem) for one error, in the words of the file."""
    d = e.detail
    kind = d["type"]
    ctx = d.get("ctx") or {}
    value = d.get("input")
    path = e.path
    if kind == "extra_forbidden":
        keys = _allowed_keys(e.model_loc[:-1], root)
        bad = str(e.model_loc[-1])
        close = difflib.get_close_matches(bad, keys, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        return (path, bad, "one of " + ", ".join(keys) + hint, "unknown key")
    if kind == "missing":
        return (path, None, "a value; this key is required", "missing key")
    if kind == "union_type":
        return (path, shown(value), _union_allowed(e.annotation), "wrong type")
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        what = {"events": "event ", "rules": "rule "}.get(path.split("[")[0], "")
        allowed = "one of " + ", ".join(_tags(e.annotation))
        if kind == "union_tag_not_found":
            problem = f"{what}without 'kind'" if what else "missing 'kind'"
            return (f"{path}.kind", None, allowed, problem)
        return (f"{path}.kind", ctx.get("tag"), allowed, f"unknown {what}kind")
    if kind in _TYPES:
        problem, allowed = _TYPES[kind]
        if e.key and kind == "string_type":
            allowed = _ID_RULE
        return (path, shown(value), allowed, problem)
    if kind in _BOUNDS:
        op, problem = _BOUNDS[kind]
        bound = next(iter(ctx.values()))
        if isinstance(bound, str):  # pydantic may give a date bound as text or its repr
            parts = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})", bound) or re.fullmatch(
                r"datetime\.date\((\d+), (\d+), (\d+)\)", bound
            )
            if parts:
                bound = dt.date(*map(int, parts.groups()))
        if isinstance(bound, dt.date):
            side = "on or after" if op.startswith(">") else "on or before"
            return (path, shown(value), f"a date {side} {bound.isoformat()}", problem)
        limit = f"{bound:,.12g}" if isinstance(bound, int | float) else bound
        return (path, shown(value), f"a number {op} {limit}", problem)
    if kind == "literal_error":
        return (path, shown(value), str(ctx.get("expected")), "not an allowed value")
    if kind == "string_pattern_mismatch":
        if path == "name":
            return (path, value, _NAME_RULE, "bad name")
        if ctx.get("pattern") == ID_PATTERN:
            return (path, value, _ID_RULE, "bad id")
        return (path, value, f"text matching {ctx.get('pattern')}", "bad text")
    if kind in ("too_short", "too_long"):
        if kind == "too_short":
            allowed = f"at least {ctx.get('min_length')} item(s)"
            problem = "empty" if not ctx.get("actual_length") else "too few items"
        else:
            allowed, problem = f"at most {ctx.get('max_length')} item(s)", "too many items"
        return (path, shown(value), allowed, problem)
    if kind == "value_error":
        if not path and isinstance(value, dict):  # a rule about the whole file
            whole = "invalid sweep" if getattr(root, "__name__", "") == "SweepSpec" else None
            if whole:
                return ("", "", str(ctx.get("error", d["msg"])), whole)
        return _value_error(path, value, str(ctx.get("error", d["msg"])), raw)
    return (path, shown(value), d["msg"], "invalid value")


def _value_error(
    path: str, value: Any, text: str, raw: dict[str, Any]
) -> tuple[str, Any, str, str]:
    """Errors raised by the models' own validators, told as a path, value and rule."""
    if text == "'end' is before 'start'":
        start = shown(raw.get("start"))
        return ("end", shown(raw.get("end")), f"a date on or after start ({start})", text)
    if text == "horizon too long":
        start = shown(raw.get("start"))
        return (
            "end",
            shown(raw.get("end")),
            f"a date at most {MAX_HORIZON_YEARS} years after start ({start}): a horizon of at "
            f"most {MAX_HORIZON_DAYS:,} days",
            "horizon too long",
        )
    if path.endswith("monthly_profile"):
        allowed = "12 weights (Jan..Dec), each >= 0, with a positive sum"
        if isinstance(value, list | tuple) and len(value) != 12:
            return (path, shown(value), allowed, f"{len(value)} values instead of 12")
        return (path, shown(value), allowed, "a negative weight or a zero sum")
    match = re.fullmatch(r"give exactly one of (.*)", text)
    if match and isinstance(value, dict):
        names = re.findall(r"'(\w+)'", match.group(1))
        given = [k for k in names if value.get(k) is not None]
        allowed = f"exactly one of {match.group(1)}"
        if len(given) > 1:
            listed = " and ".join(f"'{k}'" for k in given)
            return (
                path,
                shown({k: value[k] for k in given}),
                allowed,
                f"{listed} all given" if len(given) > 2 else f"both {listed} given",
            )
        return (path, shown(value), allowed, "none of them given")
    return (path, shown(value), text, "invalid value")


def shown(value: Any, depth: int = 0) -> Any:
    """The value as the file wrote it, dates as YYYY-MM-DD; only the first few items of a
    large mapping or list, and never deeper than three levels (a value is shown, not
    walked)."""
    if isinstance(value, dt.date):
        return value.isoformat()
    if hasattr(value, "item") and type(value).__module__ == "numpy":
        return value.item()
    if isinstance(value, dict | list | tuple) and depth >= 3:
        return "..."
    if isinstance(value, dict):
        items = list(itertools.islice(value.items(), 5))
        out = {shown(k, depth + 1): shown(v, depth + 1) for k, v in items[:4]}
        if len(items) > 4:
            out["..."] = "..."
        return out
    if isinstance(value, list | tuple):
        head = [shown(v, depth + 1) for v in itertools.islice(value, 6)]
        return [*head[:5], "..."] if len(head) > 5 else head
    return value


def _unwrap(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _is_model(annotation: Any) -> bool:
    return isinstance(annotation, type) and issubclass(annotation, BaseModel)


def _members(annotation: Any) -> list[Any]:
    """The members of a union (without None), unwrapped; [] if not a union."""
    annotation = _unwrap(annotation)
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return []
    return [_unwrap(a) for a in typing.get_args(annotation) if a is not type(None)]


def _tagged(annotation: Any) -> dict[str, Any]:
    """The members of a union by their ``Tag`` (a union discriminated by a function)."""
    annotation = _unwrap(annotation)
    if typing.get_origin(annotation) not in (typing.Union, types.UnionType):
        return {}
    out = {}
    for member in typing.get_args(annotation):
        for meta in getattr(member, "__metadata__", ()):
            if isinstance(meta, Tag):
                out[meta.tag] = _unwrap(member)
    return out


def _tags_of(model: Any) -> tuple[Any, ...]:
    field = model.model_fields.get("kind") if _is_model(model) else None
    return typing.get_args(field.annotation) if field is not None else ()


def _tags(annotation: Any) -> list[str]:
    return [str(t) for m in _members(annotation) for t in _tags_of(m)]


def _step(annotation: Any, part: Any) -> tuple[Any, bool]:
    """Follow one location element from ``annotation``; say whether the element is a
    pydantic artefact (a union tag or branch name) rather than a key in the file."""
    annotation = _unwrap(annotation)
    origin = typing.get_origin(annotation)
    if _is_model(annotation):
        field = annotation.model_fields.get(str(part))
        return (field.annotation if field else None), False
    members = _members(annotation)
    if len(members) == 1:  # X | None: pydantic names no branch
        return _step(members[0], part)
    tagged = _tagged(annotation)
    if part in tagged:  # the tag of a member of a union discriminated by a function
        return tagged[part], True
    if members:
        for arg in members:
            if part in _tags_of(arg) or (_is_model(arg) and part == arg.__name__):
                return arg, True
        for arg in members:
            arg_origin = typing.get_origin(arg)
            if arg_origin is not None and str(part).startswith(f"{arg_origin.__name__}["):
                return arg, True
        if isinstance(part, str):  # a scalar member: float, constrained-float, date, ...
            return None, True
        return None, False
    if origin in (tuple, list):
        return typing.get_args(annotation)[0], False
    if origin is dict:
        return typing.get_args(annotation)[1], False
    return None, False


def _allowed_keys(model_loc: tuple[Any, ...], root: Any) -> list[str]:
    annotation: Any = root
    for part in model_loc:
        if part != "[key]":
            annotation, _ = _step(annotation, part)
    annotation = _unwrap(annotation)
    if _is_model(annotation):
        return list(annotation.model_fields)
    return []


def _union_allowed(annotation: Any) -> str:
    """What a union takes, member by member: 'a number >= 0, a mapping of dates ...'."""
    words = []
    for arg in _members(annotation):
        origin = typing.get_origin(arg)
        if origin is dict:
            key, _ = typing.get_args(arg)
            keys = "dates (YYYY-MM-DD)" if _unwrap(key) is dt.date else "keys"
            words.append(f"a mapping of {keys} to numbers")
        elif _is_model(arg):
            words.append("{" + ", ".join(f"{k}: ..." for k in arg.model_fields) + "}")
        elif arg is float:
            words.append("a number")
        elif arg is int:
            words.append("a whole number")
        elif arg is dt.date:
            words.append("a date (YYYY-MM-DD)")
        elif arg is str:
            words.append("text")
        else:
            words.append(getattr(arg, "__name__", str(arg)))
    words = list(dict.fromkeys(words))
    return ", ".join(words[:-1]) + (" or " if len(words) > 1 else "") + words[-1]
