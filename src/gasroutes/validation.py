"""Validation of a scenario beyond its field types, and the wording of every problem.

Two jobs: turn pydantic's errors into problems a reader can act on (the field path as it
appears in the file, the bad value, what is allowed), and check what needs the whole
scenario (ids, references between components, dates inside the horizon, the range of a
``set`` event's value).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import itertools
import re
import types
import typing
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from .events import SETTABLE_PATHS
from .network import ID_PATTERN
from .quantities import MAX_BCM_PER_YEAR, MAX_DAYS, MAX_HORIZON_DAYS, MAX_HORIZON_YEARS
from .yamlio import join_path

if TYPE_CHECKING:
    from .scenario import Scenario

__all__ = [
    "Problem",
    "check_references",
    "lax_scalars",
    "pydantic_problems",
    "shown",
]

Problem = tuple[str, str, Any, str, str]  # file, path, value, allowed, problem
Locate = Callable[[str, Any, str, str], Problem]


def _root() -> Any:
    from .scenario import Scenario

    return Scenario


# ---- turning pydantic's errors into problems: path, value, allowed, problem

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
}
# errors that only say a member of a union is not the value's type (a non-finite number
# is the right type with a wrong value: it is kept)
_WRONG_TYPE = set(_TYPES) - {"finite_number"}
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
    branch: tuple[str, str, Any] | None  # (path of the union, branch name, union) if any
    key: bool  # the error is about a mapping key, not its value


def pydantic_problems(
    errors: Any, raw: dict[str, Any], root: Any = None
) -> list[tuple[str, Any, str, str]]:
    """pydantic's errors for ``raw`` (validated as ``root``, the Scenario by default) as
    (path, value, allowed, problem), in the words of the file."""
    root = root if root is not None else _root()
    located = [_locate(e, root) for e in errors]
    located = _one_branch_per_union(located)
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
    branch: tuple[str, str, Any] | None = None
    key = False
    for part in detail["loc"]:
        if part == "[key]":
            key = True
            continue
        parent = annotation
        annotation, skip = _step(annotation, part)
        if skip:
            if branch is None and not _is_tag(parent, part):
                branch = (path, str(part), _unwrap(parent))
            continue
        if isinstance(part, int) and typing.get_origin(_unwrap(parent)) is not dict:
            path = f"{path}[{part}]"
        else:  # pydantic writes a date key as its repr
            date = re.fullmatch(r"datetime\.date\((\d+), (\d+), (\d+)\)", str(part))
            path = join_path(path, dt.date(*map(int, date.groups())) if date else part)
    return _Error(detail, path, tuple(detail["loc"]), annotation, branch, key)


def _one_branch_per_union(errors: list[_Error]) -> list[_Error]:
    """A value that fits no member of a union (a schedule: number, steps or ramp) gets one
    error per member from pydantic; keep those of the member the value was meant for."""
    groups: dict[str, list[_Error]] = {}
    for e in errors:
        if e.branch is not None:
            groups.setdefault(e.branch[0], []).append(e)
    drop: set[int] = set()
    instead: dict[int, _Error] = {}
    for union_path, group in groups.items():
        by_branch: dict[str, list[_Error]] = {}
        for e in group:
            assert e.branch is not None
            by_branch.setdefault(e.branch[1], []).append(e)
        inside = {b: es for b, es in by_branch.items() if any(e.path != union_path for e in es)}
        if inside:  # the value's shape matched a member; its errors are inside it
            # a model whose keys the value uses is the member meant, else the closest one
            union = group[0].branch[2] if group[0].branch else None
            fits = [
                es
                for label, es in inside.items()
                if _is_model(_step(union, label)[0])
                and not any(e.detail["type"] in ("extra_forbidden", "missing") for e in es)
            ]
            keep = fits[0] if fits else min(inside.values(), key=len)
        else:
            keep = [e for e in group if e.detail["type"] not in _WRONG_TYPE]
        kept = {id(e) for e in keep}
        drop.update(id(e) for e in group if id(e) not in kept)
        if not keep:  # the value is of a type no member takes: one problem for the union
            first = group[0]
            assert first.branch is not None
            detail = dict(first.detail, type="union_type")
            instead[id(first)] = dataclasses.replace(
                first, detail=detail, annotation=first.branch[2]
            )
    return [instead.get(id(e), e) for e in errors if id(e) not in drop or id(e) in instead]


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


def _tags_of(model: Any) -> tuple[Any, ...]:
    field = model.model_fields.get("kind") if _is_model(model) else None
    return typing.get_args(field.annotation) if field is not None else ()


def _tags(annotation: Any) -> list[str]:
    return [str(t) for m in _members(annotation) for t in _tags_of(m)]


def _is_tag(annotation: Any, part: Any) -> bool:
    return any(part in _tags_of(m) for m in _members(annotation))


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
        elif arg in (float, int):
            words.append("a number")
        else:
            words.append(getattr(arg, "__name__", str(arg)))
    return ", ".join(words[:-1]) + (" or " if len(words) > 1 else "") + words[-1]


def _takes(member: Any, value: Any) -> bool:
    """Whether a scalar member of a union takes ``value`` without converting it."""
    member = _unwrap(member)
    if member in (float, int):
        return isinstance(value, int | float) and not isinstance(value, bool)
    if member is dt.date:
        return isinstance(value, dt.date)
    if member is str:
        return isinstance(value, str)
    return False


def lax_scalars(value: Any, annotation: Any, path: str = "") -> list[tuple[str, Any, str, str]]:
    """Scalars pydantic would convert without a word: a number for a date (read as seconds
    since 1970, so ``date: 0`` was 1 January 1970 and ``end: 2035`` a puzzling error) and
    true/false for a number (``capacity_bcm_per_year: yes`` was 1)."""
    annotation = _unwrap(annotation)
    origin = typing.get_origin(annotation)
    out: list[tuple[str, Any, str, str]] = []
    if annotation is dt.date:
        if isinstance(value, int | float) and not isinstance(value, bool):
            out.append((path, value, _DATE, "a number is not a date"))
    elif annotation in (float, int):
        if isinstance(value, bool):
            out.append((path, value, "a number", "true/false is not a number"))
    elif members := _members(annotation):
        if isinstance(value, dict):
            tagged = [m for m in members if value.get("kind") in _tags_of(m)]
            members = tagged or members
        elif not isinstance(value, list | tuple) and any(_takes(m, value) for m in members):
            return out  # a scalar that one member takes as it is (a number for a float)
        for member in members:
            out += [p for p in lax_scalars(value, member, path) if p not in out]
    elif _is_model(annotation) and isinstance(value, dict):
        for key, item in value.items():
            field = annotation.model_fields.get(key) if isinstance(key, str) else None
            if field is not None:
                out += lax_scalars(item, field.annotation, join_path(path, key))
    elif origin in (tuple, list) and isinstance(value, list):
        for i, item in enumerate(value):
            out += lax_scalars(item, typing.get_args(annotation)[0], f"{path}[{i}]")
    elif origin is dict and isinstance(value, dict):
        key_type, item_type = typing.get_args(annotation)
        for key, item in value.items():
            here = join_path(path, key)
            if _unwrap(key_type) is dt.date:
                out += lax_scalars(key, dt.date, here)
            out += lax_scalars(item, item_type, here)
    return out


# ---- whole-scenario checks


def check_references(s: Scenario, locate: Locate) -> list[Problem]:
    """Checks that need the whole scenario: ids, references, dates inside the horizon."""
    problems: list[Problem] = []

    def add(path: str, value: Any, allowed: str, problem: str) -> None:
        problems.append(locate(path, value, allowed, problem))

    pattern = re.compile(ID_PATTERN)
    seen: dict[str, str] = {}
    sections: list[tuple[str, dict[str, Any]]] = [
        ("fields", s.fields),
        ("hubs", s.hubs),
        ("connections", s.connections),
        ("routes", s.routes),
        ("buyers", s.buyers),
        *((f"lpg.{k}", getattr(s.lpg, k)) for k in LPG_SECTIONS),
    ]
    for section, members in sections:
        for key in members:
            if not pattern.match(key):
                add(f"{section}.{key}", key, _ID_RULE, "bad id")
            if key in RESERVED_IDS:
                add(
                    f"{section}.{key}",
                    key,
                    f"an id other than {', '.join(RESERVED_IDS)} (reserved for the tables)",
                    "reserved id",
                )
            if key in seen:
                add(
                    f"{section}.{key}",
                    key,
                    f"an id not already used in {seen[key]}",
                    "duplicate id",
                )
            seen.setdefault(key, section)
    horizon = f"a date from {s.start} to {s.end}"

    def check_date(path: str, day: dt.date | None) -> None:
        if day is not None and not s.start <= day <= s.end:
            add(path, day.isoformat(), horizon, "date outside the horizon")

    for name, buyer in s.buyers.items():
        for i, route in enumerate(buyer.routes):
            if route not in s.routes:
                add(f"buyers.{name}.routes[{i}]", route, _ids(s.routes), "unknown route")
        c = buyer.contract
        if c.start_date and c.end_date and c.end_date < c.start_date:
            add(
                f"buyers.{name}.contract.end_date",
                c.end_date.isoformat(),
                f"a date on or after start_date {c.start_date}",
                "end_date before start_date",
            )
    event_ids: set[str] = set()
    for i, ev in enumerate(s.events):
        base = f"events[{i}]"
        check_date(f"{base}.date", ev.date)
        if ev.id:
            if ev.id in event_ids:
                add(f"{base}.id", ev.id, "an id not used by another event", "duplicate id")
            event_ids.add(ev.id)
        targets = _event_targets(s)
        if ev.kind in ("capacity", "commission"):
            targets["route"] = s.routes  # rail routes change through trains, not capacity
        for attr, known in targets.items():
            target = getattr(ev, attr, None)
            if target is not None and target not in known:
                what = (
                    "pipeline route"
                    if ev.kind in ("capacity", "commission")
                    and attr == "route"
                    and target in s.lpg.rail_routes
                    else attr
                )
                add(f"{base}.{attr}", target, _ids(known), f"unknown {what}")
        until = getattr(ev, "until", None)
        if until is not None:
            if until < ev.date:
                add(
                    f"{base}.until",
                    until.isoformat(),
                    f"a date on or after the event's date {ev.date}",
                    "'until' is before the event date",
                )
            elif until > s.end:
                add(f"{base}.until", until.isoformat(), horizon, "date outside the horizon")
        if ev.kind == "set":
            bad_path = _bad_settable(ev.path, s)
            if bad_path:
                add(f"{base}.path", ev.path, *bad_path)
            else:
                bad_value = _bad_set_value(ev.path, ev.value)
                if bad_value:
                    add(f"{base}.value", ev.value, bad_value, "value out of range")
    problems += _check_supply(s, locate)
    problems += _check_lpg(s, locate)
    problems += _check_uncertainty(s, locate)
    for i, rule in enumerate(s.rules):
        if rule.buyer not in s.buyers:
            add(f"rules[{i}].buyer", rule.buyer, _ids(s.buyers), "unknown buyer")
    return problems


MAX_OUTAGES = 100_000  # per source and horizon: more means hours were given as days


def _check_uncertainty(s: Scenario, locate: Locate) -> list[Problem]:
    """Each random process names something of the right kind, at a sensible rate."""
    from .uncertainty import expected_outages, outage_origin

    u = s.uncertainty
    out: list[Problem] = []
    can_fail = {**s.routes, **s.lpg.rail_routes, **s.fields}
    for tid, spec in u.outages.items():
        base = f"uncertainty.outages.{tid}"
        if tid not in can_fail:
            out.append(locate(base, tid, _ids(can_fail), "unknown route or field"))
        elif (
            n := expected_outages(spec, (s.end - outage_origin(spec, s.start)).days + 1)
        ) > MAX_OUTAGES:
            out.append(
                locate(
                    f"{base}.between_failures_days",
                    spec.between_failures_days.expected,
                    f"times between failures and repairs that give fewer than {MAX_OUTAGES:,} "
                    "outages from 1900 to the end of the horizon (durations are in days)",
                    f"about {n:,.0f} outages",
                )
            )
        elif tid in s.lpg.rail_routes and spec.loss < 1:
            out.append(
                locate(
                    f"{base}.loss",
                    spec.loss,
                    "1 (a rail route is either open or out)",
                    "partial outage of a rail route",
                )
            )
    for group in ("demand_noise", "price_noise"):
        for bid in getattr(u, group):
            if bid not in s.buyers:
                out.append(
                    locate(f"uncertainty.{group}.{bid}", bid, _ids(s.buyers), "unknown buyer")
                )
    can_delay = {**s.lpg.rail_routes, **s.lpg.fleets}
    for key in u.delays:
        if key not in can_delay:
            out.append(
                locate(
                    f"uncertainty.delays.{key}",
                    key,
                    _ids(can_delay)
                    if can_delay
                    else "a rail route or fleet id (the scenario has none)",
                    "unknown rail route or fleet",
                )
            )
    return out


def _check_supply(s: Scenario, locate: Locate) -> list[Problem]:
    """The supply network: connections between known nodes, no cycle, every entry and
    domestic node a field or hub, and not too many paths to dispatch along."""
    out: list[Problem] = []
    nodes = {**s.fields, **s.hubs}
    for cid, c in s.connections.items():
        base = f"connections.{cid}"
        if c.source not in nodes:
            out.append(locate(f"{base}.source", c.source, _ids(nodes), "unknown field or hub"))
        if c.target not in s.hubs:
            allowed = _ids(s.hubs) if s.hubs else "a hub id (the scenario has no hubs)"
            out.append(locate(f"{base}.target", c.target, allowed, "unknown hub"))
        if c.source == c.target:
            out.append(locate(f"{base}.target", c.target, "a node other than the source", "a loop"))
    if not out:
        cycle = _cycle({cid: (c.source, c.target) for cid, c in s.connections.items()})
        if cycle:
            out.append(
                locate(
                    f"connections.{cycle[0]}",
                    " -> ".join(cycle),
                    "connections that never lead back to where they start (gas flows one way)",
                    "the connections form a cycle",
                )
            )
    for rid, r in s.routes.items():
        if r.entry is not None and r.entry not in nodes:
            out.append(locate(f"routes.{rid}.entry", r.entry, _ids(nodes), "unknown field or hub"))
    for node in s.domestic.nodes or {}:
        if node not in nodes:
            out.append(locate(f"domestic.nodes.{node}", node, _ids(nodes), "unknown field or hub"))
    if s.domestic.nodes is not None and not sum(s.domestic.nodes.values()) > 0:
        out.append(
            locate(
                "domestic.nodes", shown(s.domestic.nodes), "shares with a positive sum", "no share"
            )
        )
    if not out:
        from .gas import MAX_PATHS, SupplyGraph

        try:
            SupplyGraph.build(s)
        except ValueError:
            out.append(
                locate(
                    "connections",
                    f"{len(s.connections)} connections",
                    f"a network with at most {MAX_PATHS:,} paths from the fields to any node",
                    "too many paths",
                )
            )
    return out


def _cycle(edges: dict[str, tuple[str, str]]) -> list[str] | None:
    """The connections of a cycle (as ids), or None (an iterative depth-first search)."""
    out_of: dict[str, list[tuple[str, str]]] = {}
    for cid, (a, b) in edges.items():
        out_of.setdefault(a, []).append((cid, b))
    state: dict[str, int] = {}  # 1: on the current trail, 2: done
    for root in list(out_of):
        if root in state:
            continue
        state[root] = 1
        stack: list[tuple[str, int]] = [(root, 0)]
        trail: list[str] = []
        while stack:
            node, k = stack[-1]
            nexts = out_of.get(node, [])
            if k == len(nexts):
                state[node] = 2
                stack.pop()
                if trail:
                    trail.pop()
                continue
            stack[-1] = (node, k + 1)
            cid, nxt = nexts[k]
            if state.get(nxt) == 1:
                return [*trail, cid]
            if nxt not in state:
                state[nxt] = 1
                trail.append(cid)
                stack.append((nxt, 0))
    return None


LPG_SECTIONS = ("plants", "terminals", "rail_routes", "fleets", "depots")


def _event_targets(s: Scenario) -> dict[str, dict[str, Any]]:
    """The ids each target key of an event may name (rail routes are routes too)."""
    return {
        "buyer": s.buyers,
        "route": {**s.routes, **s.lpg.rail_routes},
        "field": s.fields,
        "connection": s.connections,
        "plant": s.lpg.plants,
        "terminal": s.lpg.terminals,
        "fleet": s.lpg.fleets,
        "depot": s.lpg.depots,
    }


def _check_lpg(s: Scenario, locate: Locate) -> list[Problem]:
    """References and sizes in the LPG chain that would leave a load with nowhere to go."""
    c = s.lpg
    out: list[Problem] = []

    def terminal_fits(base: str, terminal: str, key: str, size: float, what: str) -> list[Problem]:
        """The terminal must exist and its storage must hold one load of ``size``."""
        if terminal not in c.terminals:
            return [locate(f"{base}.terminal", terminal, _ids(c.terminals), "unknown terminal")]
        storage = c.terminals[terminal].storage_t
        if storage < size:
            return [
                locate(
                    f"{base}.{key}",
                    size,
                    f"at most the terminal's storage ({storage:g} t)",
                    f"{what} larger than the terminal's storage",
                )
            ]
        return []

    for rid, r in c.rail_routes.items():
        base = f"lpg.rail_routes.{rid}"
        for i, origin in enumerate(r.origins):
            if origin not in c.plants:
                out.append(locate(f"{base}.origins[{i}]", origin, _ids(c.plants), "unknown plant"))
        out += terminal_fits(base, r.terminal, "t_per_car", r.t_per_car, "a tank car")
        load = r.cars_per_train * r.t_per_car
        room = sum(c.plants[o].storage_t for o in r.origins if o in c.plants)
        if r.departure.policy == "when_full" and room < load:
            out.append(
                locate(
                    f"{base}.cars_per_train",
                    r.cars_per_train,
                    f"a train load (cars x t_per_car = {load:g} t) no larger than "
                    f"its origins' storage ({room:g} t)",
                    "a full train can never be loaded",
                )
            )
    for fid, f in c.fleets.items():
        base = f"lpg.fleets.{fid}"
        out += terminal_fits(base, f.terminal, "t_per_truck", f.t_per_truck, "a truckload")
        for depot in f.legs:
            if depot not in c.depots:
                out.append(locate(f"{base}.legs.{depot}", depot, _ids(c.depots), "unknown depot"))
            elif c.depots[depot].storage_t < f.t_per_truck:
                out.append(
                    locate(
                        f"{base}.legs.{depot}",
                        depot,
                        f"a depot whose storage holds a truckload ({f.t_per_truck:g} t)",
                        "a truckload larger than the depot's storage",
                    )
                )
    served = {d for f in c.fleets.values() for d in f.legs}
    for did in c.depots:
        if did not in served:
            out.append(
                locate(
                    f"lpg.depots.{did}",
                    did,
                    "a depot that some fleet's legs name",
                    "no fleet serves this depot",
                )
            )
    return out


RESERVED_IDS = ("third_party", "total", "domestic")


def _bad_set_value(path: str, value: float) -> str | None:
    """What a ``set`` event's value must be for its parameter, if ``value`` is not that."""
    if path.endswith("payment.share_paid") and not 0 <= value <= 1:
        return "a share from 0 to 1"
    if path.endswith("payment.delay_days") and (value != int(value) or value > MAX_DAYS):
        return f"a whole number of days from 0 to {MAX_DAYS:,.0f}"
    if path.endswith("_bcm_per_year") and value > MAX_BCM_PER_YEAR:
        return f"a number from 0 to {MAX_BCM_PER_YEAR:,.0f} (bcm/yr)"
    return None


def _ids(mapping: dict[str, Any]) -> str:
    return "one of " + ", ".join(sorted(mapping)) if mapping else "none defined"


def _bad_settable(path: str, s: Scenario) -> tuple[str, str] | None:
    """None if a ``set`` event's path names a parameter it may set, else (allowed, problem)."""
    parts = path.split(".")
    shaped = []
    for pattern in SETTABLE_PATHS:
        want = pattern.split(".")
        if len(want) == len(parts) and all(
            w in ("<id>", p) for w, p in zip(want, parts, strict=True)
        ):
            shaped.append(want)
    for want in shaped:
        section = getattr(s, want[0])
        unknown = [p for w, p in zip(want, parts, strict=True) if w == "<id>" and p not in section]
        if not unknown:
            return None
    for want in shaped:
        section = getattr(s, want[0])
        unknown = [p for w, p in zip(want, parts, strict=True) if w == "<id>" and p not in section]
        return (
            f"{'.'.join(want)} with <id> {_ids(section)}",
            f"unknown {want[0][:-1]} {unknown[0]!r} in the parameter path",
        )
    return ("one of " + ", ".join(SETTABLE_PATHS), "unknown parameter path")
