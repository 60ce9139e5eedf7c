"""Scenario files: read, resolve ``extends``, apply defaults, validate, freeze.

The loader works in the order Ciw made familiar: raw YAML, then the merge of a file with
its bases, then defaults and whole-model validation, then frozen typed objects. Nothing
downstream ever sees an invalid scenario; every problem is a :class:`ScenarioError` that
names the file, the field path, the bad value and what is allowed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import warnings
from pathlib import Path
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from gasroutes.core.errors import ScenarioError, ScenarioNote
from gasroutes.core.yamlio import join_path, read_yaml
from gasroutes.scenario.checks import check_references
from gasroutes.scenario.messages import Problem, pydantic_problems
from gasroutes.scenario.model import MERGED_LISTS, NAME_PATTERN, Scenario

__all__ = ["load_base", "load_scenario", "scenario_from_dict"]


def _read(path: Path) -> dict[str, Any]:
    name = str(path)
    data = read_yaml(path, "scenario file (YAML)")
    if data is None:
        raise ScenarioError(
            name, "", "", "a YAML mapping with a scenario (name, start, end, ...)", "empty file"
        )
    if not isinstance(data, dict):
        kind = _YAML_KINDS.get(type(data), type(data).__name__)
        raise ScenarioError(
            name,
            "",
            "",
            "a YAML mapping (key: value lines) at the top level",
            f"the document is a {kind}, not a mapping",
        )
    return data


_YAML_KINDS = {list: "list", str: "string", int: "number", float: "number", bool: "boolean"}


@dataclasses.dataclass
class _Origin:
    """Which file each value of a merged scenario came from.

    ``keys`` maps every mapping key's path (``fields.galkynysh.capacity_bcm_per_year``) to
    the last file that gave it; ``items`` gives, for each item of ``events`` and ``rules``,
    its file and its index in that file's list.
    """

    keys: dict[str, str] = dataclasses.field(default_factory=dict)
    items: dict[str, list[tuple[str, int]]] = dataclasses.field(default_factory=dict)

    @classmethod
    def of(cls, data: dict[str, Any], file: str) -> _Origin:
        """Every value of one file's own ``data`` comes from ``file``."""
        keys: dict[str, str] = {}

        def walk(value: dict[Any, Any], path: str) -> None:
            for key, item in value.items():
                here = join_path(path, key)
                keys[here] = file
                if isinstance(item, dict) and here not in MERGED_LISTS:
                    walk(item, here)

        walk(data, "")
        items = {
            kind: [(file, i) for i in range(len(data[kind]))]
            for kind in MERGED_LISTS
            if isinstance(data.get(kind), list)
        }
        return cls(keys, items)


def _resolve(path: Path, chain: tuple[Path, ...] = ()) -> tuple[dict[str, Any], _Origin]:
    """Merged mapping for ``path`` and its bases, with the file each value came from."""
    try:
        path = path.resolve()
    except (RuntimeError, OSError) as err:  # a loop of symbolic links
        raise ScenarioError(
            str(chain[-1]) if chain else str(path),
            "extends" if chain else "",
            str(path),
            "a scenario file (a link that leads to a file)",
            "a loop of symbolic links",
        ) from err
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
    if "name" not in data and not chain and not re.fullmatch(NAME_PATTERN, path.stem):
        raise ScenarioError(
            str(path),
            "name",
            path.stem,
            "a 'name:' line in the file (letters, digits, '_', '.' and '-'): without one, "
            "the file's name is the run's name, and it names the output folder",
            "the file name cannot be a run name",
        )
    data.setdefault("name", path.stem)
    data.setdefault("description", "")
    origin = _Origin.of(data, str(path))
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
        exists = base_path.exists() or base_path.is_symlink()
        raise ScenarioError(
            str(path),
            "extends",
            base_ref,
            f"an existing scenario file (relative to {path.parent})",
            "the base scenario is not a file" if exists else "the base scenario does not exist",
        )
    base, base_origin = _resolve(base_path, (*chain, path))
    _trim_to_horizon(base, base_origin, data, str(path))
    return _merge(base, data, base_origin, origin)


def _day(value: Any) -> dt.date | None:
    """A date written in a file (a YAML date or ISO text); None for anything else (the
    validation reports it)."""
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            return None
    return None


def _trim_to_horizon(
    base: dict[str, Any], base_origin: _Origin, child: dict[str, Any], file: str
) -> None:
    """When a file shortens its base's horizon, the base's events that fall outside the
    new one (and inside the base's own, so the base's mistakes are still reported) are
    left out, and an outage running past the new end is cut at it, with a note. Events
    the file writes itself are checked as usual."""
    old = (_day(base.get("start")), _day(base.get("end")))
    new = (_day(child.get("start", base.get("start"))), _day(child.get("end", base.get("end"))))
    events = base.get("events")
    if None in old or None in new or new == old or not isinstance(events, list):
        return
    (old_start, old_end), (start, end) = old, new
    assert old_start and old_end and start and end
    places = base_origin.items.get("events", [])
    kept: list[Any] = []
    kept_places: list[tuple[str, int]] = []
    dropped: list[str] = []
    cut: list[str] = []
    for k, item in enumerate(events):
        place = places[k] if k < len(places) else (file, k)
        # a recurring event is windowed when it is expanded (_expand_recurring)
        if isinstance(item, dict) and item.get("enabled") is not False and "every" not in item:
            date, until = _day(item.get("date")), _day(item.get("until"))
            where = f"{place[0]}: events[{place[1]}] ({item.get('kind')} on {date})"
            if date and old_start <= date <= old_end and not start <= date <= end:
                dropped.append(where)
                continue
            if date and until and start <= date <= end < until <= old_end:
                item = {**item, "until": end}
                cut.append(where)
        kept.append(item)
        kept_places.append(place)
    base["events"] = kept
    base_origin.items["events"] = kept_places
    horizon = f"its horizon, {start} to {end}"
    if dropped:
        warnings.warn(
            ScenarioNote(
                f"{file}: {len(dropped)} inherited event(s) outside {horizon}, left out: "
                + "; ".join(dropped)
            ),
            stacklevel=2,
        )
    if cut:
        warnings.warn(
            ScenarioNote(
                f"{file}: {len(cut)} inherited outage(s) running past {horizon}, cut at "
                f"{end}: " + "; ".join(cut)
            ),
            stacklevel=2,
        )


def _merge(
    base: dict[str, Any], child: dict[str, Any], base_origin: _Origin, child_origin: _Origin
) -> tuple[dict[str, Any], _Origin]:
    merged = dict(base)
    for key, value in child.items():
        if key in MERGED_LISTS:
            continue
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            merged[key] = _deep_merge(base[key], value)
        else:
            merged[key] = value
    # a path the child gives is the child's; one it leaves alone keeps its base's file
    origin = _Origin({**base_origin.keys, **child_origin.keys})
    for kind in MERGED_LISTS:
        items, places = _merge_list(
            base.get(kind),
            child.get(kind),
            base_origin.items.get(kind, []),
            child_origin.items.get(kind, []),
        )
        if items is not None:
            merged[kind] = items
            origin.items[kind] = places
    return merged, origin


def _mergeable(value: Any) -> bool:
    """A mapping of named keys merges key by key; a schedule ({date: value} steps, a
    {linear: ...} ramp or a {trend: ...} line) and a distribution ({distribution: ...})
    are one value each and replace the base's."""
    return (
        isinstance(value, dict)
        and all(isinstance(k, str) for k in value)
        and "linear" not in value
        and "trend" not in value
        and "saturating" not in value
        and "distribution" not in value
    )


def _deep_merge(base: dict[Any, Any], child: dict[Any, Any]) -> dict[Any, Any]:
    out = dict(base)
    for key, value in child.items():
        if _mergeable(value) and _mergeable(base.get(key)):
            out[key] = _deep_merge(base[key], value)
        else:
            out[key] = value
    return out


def _merge_list(
    base: Any, child: Any, base_places: list[tuple[str, int]], child_places: list[tuple[str, int]]
) -> tuple[list[Any] | None, list[tuple[str, int]]]:
    """Parent items, then the child's; a child item with a parent item's ``id`` replaces it."""
    if child is None:
        return base, base_places
    if base is None or not isinstance(base, list) or not isinstance(child, list):
        return child, child_places
    items = list(base)
    places = list(base_places)
    index = {
        item.get("id"): i
        for i, item in enumerate(items)
        if isinstance(item, dict) and item.get("id")
    }
    replaced: set[Any] = set()
    for item, place in zip(child, child_places, strict=True):
        item_id = item.get("id") if isinstance(item, dict) else None
        if item_id and item_id in index and item_id not in replaced:
            items[index[item_id]] = item
            places[index[item_id]] = place
            replaced.add(item_id)
        else:
            # new, or a second child item with the same id: kept, so the check reports it
            items.append(item)
            places.append(place)
    return items, places


def load_scenario(path: str | Path) -> Scenario:
    """Read, merge, default and validate a scenario file; raise ScenarioError if invalid."""
    path = Path(path)
    raw, origin = _resolve(path)
    return _validate(raw, str(path), origin)


def load_base(spec_file: Path, base: str) -> Scenario:
    """The base scenario a sweep or calibration file names (``base``, relative to the
    file's folder)."""
    path = spec_file.parent / base
    if not path.is_file():
        raise ScenarioError(
            str(spec_file),
            "base",
            base,
            f"an existing scenario file, relative to {spec_file.parent}",
            "the base scenario does not exist",
        )
    return load_scenario(path)


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
    return _validate(data, file, _Origin.of(data, file))


def _validate(raw: dict[str, Any], file: str, origin: _Origin) -> Scenario:
    raw, locate = _drop_disabled(raw, file, origin)
    raw = _expand_recurring(raw, locate)
    try:
        scenario = Scenario.model_validate(raw)
    except ValidationError as err:
        problems = [locate(*p) for p in pydantic_problems(err.errors(), raw)]
        raise ScenarioError(*problems[0], problems=problems) from err
    problems = check_references(scenario, locate)
    if problems:
        raise ScenarioError(*problems[0], problems=problems)
    return scenario


PERIODS = {"year": 12, "month": 1}
MAX_REPEATS = 10_000


def _shifted(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months (the 29-31st of a shorter month is its last day)."""
    m = day.month - 1 + months
    year, month = day.year + m // 12, m % 12 + 1
    last = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(year, month, min(day.day, last))


def _expand_recurring(raw: dict[str, Any], locate: _Locator) -> dict[str, Any]:
    """An event with ``every: year`` (or ``month``) stands for a copy of itself each
    period from its date up to ``through`` (default: the horizon's end), its ``until``
    moved with it; repetitions outside the horizon are left out and the last one is cut
    at its end; copies of an event with an ``id`` are ``<id>_2``, ``<id>_3``, ... (numbered
    from the event's own date)."""
    events = raw.get("events")
    if not isinstance(events, list) or not any(
        isinstance(e, dict) and "every" in e for e in events
    ):
        return raw
    places = locate.origin.items.get("events") or [(locate.file, i) for i in range(len(events))]
    out: list[Any] = []
    out_places: list[tuple[str, int]] = []
    for k, item in enumerate(events):
        place = places[k] if k < len(places) else (locate.file, k)
        if not (isinstance(item, dict) and "every" in item):
            out.append(item)
            out_places.append(place)
            continue
        where = f"events[{k}]"
        item = dict(item)
        every, through_text = item.pop("every"), item.pop("through", raw.get("end"))
        if not isinstance(every, str) or every not in PERIODS:  # a list is no period
            raise ScenarioError(*locate(f"{where}.every", every, "year or month", "bad period"))
        start, until, through = _day(item.get("date")), _day(item.get("until")), _day(through_text)
        if start is None or through is None:
            bad = "through" if start is not None else "date"
            value = through_text if start is not None else item.get("date")
            raise ScenarioError(
                *locate(
                    f"{where}.{bad}", value, "a date (YYYY-MM-DD)", "a recurring event needs dates"
                )
            )
        if through < start:
            raise ScenarioError(
                *locate(
                    f"{where}.through",
                    through_text,
                    f"a date on or after the event's date ({start})",
                    "the repetitions end before they start",
                )
            )
        first, last = _day(raw.get("start")), _day(raw.get("end"))
        for n in range(MAX_REPEATS + 1):
            if n == MAX_REPEATS:
                raise ScenarioError(
                    *locate(
                        f"{where}.every",
                        every,
                        f"at most {MAX_REPEATS:,} repetitions",
                        "too many repetitions",
                    )
                )
            try:
                day = _shifted(start, n * PERIODS[every])
                moved = _shifted(until, n * PERIODS[every]) if until is not None else None
            except (ValueError, OverflowError):  # past the calendar's last year
                break
            if day > through or (last is not None and day > last):
                break
            if first is not None and day < first:
                continue  # before this scenario's start (a what-if that starts later)
            copy = {**item, "date": day}
            if moved is not None:  # the last repetition is cut at the horizon's end
                copy["until"] = min(moved, last) if last is not None else moved
            if n and item.get("id"):
                copy["id"] = f"{item['id']}_{n + 1}"
            out.append(copy)
            out_places.append(place)
    locate.origin.items["events"] = out_places
    return {**raw, "events": out}


class _Locator:
    """Turns a path in the merged, enabled-only scenario into a problem that names the file
    the value came from and the path a reader finds there (an item of ``events`` or
    ``rules`` keeps the index it has in its own file)."""

    def __init__(self, file: str, origin: _Origin) -> None:
        self.file = file
        self.origin = origin

    def __call__(self, path: str, value: Any, allowed: str, problem: str) -> Problem:
        for kind, places in self.origin.items.items():
            head = f"{kind}["
            if path.startswith(head) and "]" in path:
                index = path[len(head) : path.index("]")]
                if index.isdigit() and int(index) < len(places):
                    file, own = places[int(index)]
                    rest = path[path.index("]") + 1 :]
                    return (file, f"{kind}[{own}]{rest}", value, allowed, problem)
        return (self._file_of(path), path, value, allowed, problem)

    def _file_of(self, path: str) -> str:
        """The file of the longest prefix of ``path`` that some file gave."""
        cuts = [i for i, c in enumerate(path) if c in ".["] + [len(path)]
        for cut in reversed(cuts):
            if path[:cut] in self.origin.keys:
                return self.origin.keys[path[:cut]]
        return self.file


def _drop_disabled(
    raw: dict[str, Any], file: str, origin: _Origin
) -> tuple[dict[str, Any], _Locator]:
    out = dict(raw)
    kept_origin = _Origin(origin.keys, dict(origin.items))
    for kind in MERGED_LISTS:
        items = out.get(kind)
        if isinstance(items, list):
            places = origin.items.get(kind) or [(file, i) for i in range(len(items))]
            keep = [
                i
                for i, item in enumerate(items)
                if not (isinstance(item, dict) and item.get("enabled") is False)
            ]
            out[kind] = [items[i] for i in keep]
            kept_origin.items[kind] = [places[i] for i in keep]
    return out, _Locator(file, kept_origin)


M = TypeVar("M", bound=BaseModel)


def load_spec(path: Path, model: type[M], what: str, keys: str) -> M:
    """Read a study's file (a sweep, a calibration) and validate it as ``model``; return
    it. ``what`` names the file's kind, ``keys`` its main keys, for
    the message when it is not a mapping; every problem is a ScenarioError naming it."""
    name = str(path)
    raw = read_yaml(path, f"{what} (YAML)")
    if not isinstance(raw, dict):
        raise ScenarioError(name, "", "", f"a YAML mapping ({keys}, ...)", "not a mapping")
    raw.setdefault("name", path.stem)
    try:
        return model.model_validate(raw)
    except ValidationError as err:
        problems = [(name, *p) for p in pydantic_problems(err.errors(), raw, model)]
        raise ScenarioError(*problems[0], problems=problems) from err
