"""Scenario files: read, resolve ``extends``, apply defaults, validate, freeze.

The loader works in the order Ciw made familiar: raw YAML, then the merge of a file with
its bases, then defaults and whole-model validation, then frozen typed objects. Nothing
downstream ever sees an invalid scenario; every problem is a :class:`ScenarioError` that
names the file, the field path, the bad value and what is allowed.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import types
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import ScenarioError
from .events import SETTABLE_PATHS, Event, Rule
from .network import ID_PATTERN, Buyer, Domestic, GasField, Route, Settings

__all__ = ["Scenario", "load_scenario", "scenario_from_dict", "scenario_to_yaml"]

MERGED_LISTS = ("events", "rules")


class Scenario(BaseModel):
    """A whole, valid scenario: network, contracts, events and rules over a horizon."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(
        pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]*$",
        description="Run name; the default output folder is outputs/<name>/.",
    )
    description: str = ""
    start: dt.date = Field(description="First simulated day.")
    end: dt.date = Field(description="Last simulated day (inclusive).")
    seed: int = Field(0, ge=0, description="Seed of every random stream of the run.")
    settings: Settings = Settings()
    fields: dict[str, GasField] = Field(min_length=1)
    domestic: Domestic = Domestic()
    routes: dict[str, Route] = Field(min_length=1)
    buyers: dict[str, Buyer] = Field(min_length=1)
    events: tuple[Event, ...] = ()
    rules: tuple[Rule, ...] = ()

    @model_validator(mode="after")
    def _horizon(self) -> Scenario:
        if self.end < self.start:
            raise ValueError("'end' is before 'start'")
        return self

    @property
    def days(self) -> int:
        """Number of simulated days, both ends included."""
        return (self.end - self.start).days + 1

    def sha256(self) -> str:
        """Hash of the resolved scenario, stable across runs and machines."""
        return hashlib.sha256(scenario_to_yaml(self).encode()).hexdigest()


# --------------------------------------------------------------------------- reading YAML


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice in one mapping (PyYAML keeps the last)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    mapping: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node)
        if key in mapping:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"duplicate key {key!r} (ids and keys must be unique)",
                key_node.start_mark,
            )
        mapping[key] = loader.construct_object(value_node)
    return mapping


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _read(path: Path) -> dict[str, Any]:
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as err:
        raise ScenarioError(name, "", name, "an existing YAML file", "file not found") from err
    except (OSError, UnicodeDecodeError) as err:
        raise ScenarioError(name, "", name, "a readable UTF-8 file", str(err)) from err
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "unknown line"
        raise ScenarioError(
            name, line, (err.problem or "").strip(), "well-formed YAML", "malformed YAML"
        ) from err
    except yaml.YAMLError as err:
        raise ScenarioError(name, "", str(err), "well-formed YAML", "malformed YAML") from err
    if data is None:
        raise ScenarioError(name, "", "", "a YAML mapping with a scenario", "the file is empty")
    if not isinstance(data, dict):
        raise ScenarioError(
            name,
            "",
            type(data).__name__,
            "a YAML mapping (key: value) at the top level",
            "the document is not a mapping",
        )
    return data


# --------------------------------------------------------------------------- extends / merge


def _resolve(path: Path, chain: tuple[Path, ...] = ()) -> tuple[dict[str, Any], dict[str, str]]:
    """Merged mapping for ``path`` and its bases, with the file each top-level item came from."""
    path = path.resolve()
    if path in chain:
        cycle = " -> ".join(p.name for p in (*chain, path))
        raise ScenarioError(
            str(chain[-1]),
            "extends",
            path.name,
            "a chain of bases without cycles",
            f"'extends' forms a cycle ({cycle})",
        )
    data = _read(path)
    base_ref = data.pop("extends", None)
    data.setdefault("name", path.stem)
    data.setdefault("description", "")
    origin = {key: str(path) for key in data}
    for kind in MERGED_LISTS:
        for i, _ in enumerate(data.get(kind) or []):
            origin[f"{kind}[{i}]"] = str(path)
    if base_ref is None:
        return data, origin
    if not isinstance(base_ref, str) or not base_ref:
        raise ScenarioError(
            str(path),
            "extends",
            base_ref,
            "a path to a base scenario file, relative to this file",
            "bad 'extends'",
        )
    base_path = path.parent / base_ref
    if not base_path.is_file():
        raise ScenarioError(
            str(path),
            "extends",
            base_ref,
            f"an existing file (relative to {path.parent})",
            "the base scenario does not exist",
        )
    base, base_origin = _resolve(base_path, (*chain, path))
    return _merge(base, data, base_origin, origin)


def _merge(
    base: dict[str, Any],
    child: dict[str, Any],
    base_origin: dict[str, str],
    child_origin: dict[str, str],
) -> tuple[dict[str, Any], dict[str, str]]:
    merged = dict(base)
    origin = {k: v for k, v in base_origin.items() if "[" not in k}
    for key, value in child.items():
        if key in MERGED_LISTS:
            continue
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = _deep_merge(base[key], value)
        else:
            merged[key] = value
        origin[key] = child_origin[key]
    for kind in MERGED_LISTS:
        items, item_origin = _merge_list(
            base.get(kind), child.get(kind), kind, base_origin, child_origin
        )
        if items is not None:
            merged[kind] = items
            origin.update(item_origin)
    return merged, origin


def _deep_merge(base: dict[Any, Any], child: dict[Any, Any]) -> dict[Any, Any]:
    out = dict(base)
    for key, value in child.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            out[key] = _deep_merge(base[key], value)
        else:
            out[key] = value
    return out


def _merge_list(
    base: Any, child: Any, kind: str, base_origin: dict[str, str], child_origin: dict[str, str]
) -> tuple[list[Any] | None, dict[str, str]]:
    """Parent items, then the child's; a child item with a parent item's ``id`` replaces it."""
    if child is None:
        if base is None:
            return None, {}
        return base, {k: v for k, v in base_origin.items() if k.startswith(f"{kind}[")}
    if base is None or not isinstance(base, list) or not isinstance(child, list):
        return child, {k: v for k, v in child_origin.items() if k.startswith(f"{kind}[")}
    items = list(base)
    origins = [base_origin.get(f"{kind}[{i}]", "") for i in range(len(base))]
    index = {
        item.get("id"): i
        for i, item in enumerate(items)
        if isinstance(item, dict) and item.get("id")
    }
    for j, item in enumerate(child):
        where = child_origin.get(f"{kind}[{j}]", "")
        item_id = item.get("id") if isinstance(item, dict) else None
        if item_id and item_id in index:
            items[index[item_id]] = item
            origins[index[item_id]] = where
        else:
            items.append(item)
            origins.append(where)
    return items, {f"{kind}[{i}]": o for i, o in enumerate(origins)}


# --------------------------------------------------------------------------- validation


def load_scenario(path: str | Path) -> Scenario:
    """Read, merge, default and validate a scenario file; raise ScenarioError if invalid."""
    path = Path(path)
    raw, origin = _resolve(path)
    return _validate(raw, str(path), origin)


def scenario_from_dict(data: dict[str, Any], file: str = "<dict>") -> Scenario:
    """Validate a scenario given as a mapping (no ``extends``); used by tests and sweeps."""
    data = dict(data)
    if "extends" in data:
        raise ScenarioError(
            file,
            "extends",
            data["extends"],
            "only in files",
            "'extends' needs a file to be relative to",
        )
    data.setdefault("description", "")
    return _validate(data, file, {})


def _validate(raw: dict[str, Any], file: str, origin: dict[str, str]) -> Scenario:
    raw = _drop_disabled(raw)
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as err:
        problems = [_problem(e, raw, file, origin) for e in err.errors()]
        raise ScenarioError(*problems[0], problems=problems) from err
    problems = _check_references(scenario, file, origin)
    if problems:
        raise ScenarioError(*problems[0], problems=problems)
    return scenario


def _drop_disabled(raw: dict[str, Any]) -> dict[str, Any]:
    out = dict(raw)
    for kind in MERGED_LISTS:
        items = out.get(kind)
        if isinstance(items, list):
            out[kind] = [
                i for i in items if not (isinstance(i, dict) and i.get("enabled") is False)
            ]
    return out


def _problem(
    err: Any, raw: dict[str, Any], file: str, origin: dict[str, str]
) -> tuple[str, str, Any, str, str]:
    loc = tuple(err["loc"])
    path, model_loc = _render_path(loc)
    kind = err["type"]
    ctx = err.get("ctx") or {}
    value = err.get("input")
    where = _origin_of(path, origin, file)
    if kind == "extra_forbidden":
        allowed_keys = _allowed_keys(model_loc[:-1])
        bad = str(model_loc[-1])
        close = difflib.get_close_matches(bad, allowed_keys, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        return (where, path, bad, hint + "one of " + ", ".join(allowed_keys), "unknown key")
    if kind == "missing":
        return (where, path, None, "a value for this required field", "missing field")
    allowed = _ALLOWED.get(kind, "")
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        bound = next(iter(ctx.values()))
        allowed = f"a number {_OPS[kind]} {bound}"
    elif kind == "literal_error":
        allowed = f"one of {ctx.get('expected')}"
    elif kind == "string_pattern_mismatch":
        allowed = "a lowercase snake_case id (letters, digits, _; starting with a letter)"
    elif kind in ("too_short", "too_long"):
        allowed = f"{ctx.get('min_length', '')}..{ctx.get('max_length', '')} items".strip(".")
    elif kind == "union_tag_invalid":
        allowed = f"one of {ctx.get('expected_tags')}"
    elif kind == "union_tag_not_found":
        allowed = f"a '{ctx.get('discriminator', 'kind').strip(chr(39))}' key"
    elif kind == "value_error":
        allowed = str(ctx.get("error", err["msg"]))
    if not allowed:
        allowed = err["msg"]
    if isinstance(value, dict):
        value = {k: value[k] for k in list(value)[:4]}
    return (where, path, value, allowed, err["msg"].split(",")[0])


_OPS = {"greater_than": ">", "greater_than_equal": ">=", "less_than": "<", "less_than_equal": "<="}
_ALLOWED = {
    "float_type": "a number",
    "float_parsing": "a number",
    "int_type": "an integer",
    "int_parsing": "an integer",
    "int_from_float": "a whole number",
    "string_type": "a string",
    "bool_type": "true or false",
    "bool_parsing": "true or false",
    "date_type": "a date written YYYY-MM-DD",
    "date_parsing": "a date written YYYY-MM-DD",
    "date_from_datetime_parsing": "a date written YYYY-MM-DD",
    "dict_type": "a mapping (key: value)",
    "model_type": "a mapping (key: value)",
    "list_type": "a list",
    "tuple_type": "a list",
    "model_attributes_type": "a mapping",
}


def _render_path(loc: tuple[Any, ...]) -> tuple[str, tuple[Any, ...]]:
    """Turn a pydantic location into ``events[3].route``, dropping union tags and schedule
    branches that are not in the file."""
    out = ""
    kept: list[Any] = []
    annotation: Any = Scenario
    for part in loc:
        annotation, skip = _step(annotation, part)
        if skip:
            continue
        kept.append(part)
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out, tuple(kept)


def _unwrap(annotation: Any) -> Any:
    while typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation


def _step(annotation: Any, part: Any) -> tuple[Any, bool]:
    """Follow one location element from ``annotation``; say whether the element is a
    pydantic artefact (a union tag or branch name) rather than a key in the file."""
    annotation = _unwrap(annotation)
    origin = typing.get_origin(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        field = annotation.model_fields.get(str(part))
        return (field.annotation if field else None), False
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            arg = _unwrap(arg)
            if isinstance(arg, type) and issubclass(arg, BaseModel):
                tag = arg.model_fields.get("kind")
                if tag is not None and part in typing.get_args(tag.annotation):
                    return arg, True
            if typing.get_origin(arg) is dict and part == "dict[date,constrained-float]":
                return arg, True
        if isinstance(part, str) and part in ("constrained-float", "float"):
            return None, True
        if isinstance(part, str) and part.startswith("dict["):
            return dict, True
        return None, False
    if origin in (tuple, list):
        return typing.get_args(annotation)[0], False
    if origin is dict:
        return typing.get_args(annotation)[1], False
    return None, False


def _allowed_keys(model_loc: tuple[Any, ...]) -> list[str]:
    annotation: Any = Scenario
    for part in model_loc:
        annotation, _ = _step(annotation, part)
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _origin_of(path: str, origin: dict[str, str], file: str) -> str:
    """The file a path's value came from (a base file, for inherited values)."""
    if not origin:
        return file
    if path.startswith(MERGED_LISTS):
        key = path.split(".")[0]
        return origin.get(key, file)
    return origin.get(path.split(".")[0].split("[")[0], file)


def _check_references(
    s: Scenario, file: str, origin: dict[str, str]
) -> list[tuple[str, str, Any, str, str]]:
    """Checks that need the whole scenario: ids, references, dates inside the horizon."""
    problems: list[tuple[str, str, Any, str, str]] = []

    def add(path: str, value: Any, allowed: str, problem: str) -> None:
        problems.append((_origin_of(path, origin, file), path, value, allowed, problem))

    import re

    pattern = re.compile(ID_PATTERN)
    seen: dict[str, str] = {}
    for section in ("fields", "routes", "buyers"):
        for key in getattr(s, section):
            if not pattern.match(key):
                add(f"{section}.{key}", key, "a lowercase snake_case id", "bad id")
            if key in seen:
                add(
                    f"{section}.{key}",
                    key,
                    f"an id not already used by {seen[key]}",
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
        for attr, section in (("buyer", "buyers"), ("route", "routes"), ("field", "fields")):
            target = getattr(ev, attr, None)
            if target is not None and target not in getattr(s, section):
                add(f"{base}.{attr}", target, _ids(getattr(s, section)), f"unknown {attr}")
        until = getattr(ev, "until", None)
        if until is not None:
            if until < ev.date:
                add(
                    f"{base}.until",
                    until.isoformat(),
                    f"a date on or after {ev.date}",
                    "'until' is before the event date",
                )
            elif until > s.end:
                add(f"{base}.until", until.isoformat(), horizon, "date outside the horizon")
        if ev.kind == "set" and not _settable(ev.path, s):
            allowed = ", ".join(SETTABLE_PATHS)
            add(
                f"{base}.path",
                ev.path,
                f"one of {allowed} with an existing id",
                "unknown parameter path",
            )
    for i, rule in enumerate(s.rules):
        if rule.buyer not in s.buyers:
            add(f"rules[{i}].buyer", rule.buyer, _ids(s.buyers), "unknown buyer")
    return problems


def _ids(mapping: dict[str, Any]) -> str:
    return "one of " + ", ".join(sorted(mapping)) if mapping else "none defined"


def _settable(path: str, s: Scenario) -> bool:
    parts = path.split(".")
    for pattern in SETTABLE_PATHS:
        want = pattern.split(".")
        if len(want) != len(parts):
            continue
        if all(
            (p in getattr(s, want[0])) if w == "<id>" else (w == p)
            for w, p in zip(want, parts, strict=True)
        ):
            return True
    return False


def scenario_to_yaml(s: Scenario) -> str:
    """The resolved scenario as YAML: no ``extends``, every default written out."""
    data = s.model_dump(mode="python", exclude_none=True)
    for kind in MERGED_LISTS:
        for item in data.get(kind, []):
            item.pop("enabled", None)
    return yaml.safe_dump(_plain(data), sort_keys=False, allow_unicode=True, width=100)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value
