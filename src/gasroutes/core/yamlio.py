"""Reading YAML input safely: one loader for every YAML file gasroutes reads (scenarios,
sweep files, calibration files, the resolved scenario of a run folder).

It refuses, each with a :class:`ScenarioError` that names the file: a file over
``MAX_INPUT_BYTES``, bytes that are not UTF-8 text, malformed YAML (with the line and
column), a key written twice in one mapping, more than one document, nesting deeper than
``MAX_DEPTH`` and aliases that expand to more than ``MAX_NODES`` values (a "billion
laughs" file would otherwise take the memory of the machine), or that refer to
themselves. Nothing is walked or printed before these checks. Plain values are read as
YAML 1.2 reads them (``no`` is text, ``1.0e9`` a number; see below).
"""

from __future__ import annotations

import datetime as dt
import math
import re
import typing
from pathlib import Path
from typing import Any

import yaml

from gasroutes.core.errors import ScenarioError

__all__ = [
    "MAX_DEPTH",
    "MAX_INPUT_BYTES",
    "MAX_NODES",
    "join_path",
    "load_yaml_text",
    "read_text",
    "read_yaml",
]

MAX_INPUT_BYTES = 1_000_000  # a scenario is a few kB; the largest shipped is 20 kB
MAX_NODES = 100_000  # values after aliases are expanded; the largest shipped has ~3,000
MAX_DEPTH = 50  # nesting of mappings and lists
YAML_SUFFIXES = (".yaml", ".yml")


def join_path(path: str, key: Any) -> str:
    """``path`` followed by a mapping key, as the file's field path (``routes.cac``)."""
    key = key.isoformat() if isinstance(key, dt.date) else key
    return f"{path}.{key}" if path else str(key)


# libyaml's parser when PyYAML was built with it: ten times faster on a large file
_Base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_Base):  # type: ignore[valid-type,misc]
    """SafeLoader that refuses a key given twice in one mapping (PyYAML keeps the last)."""


class _DuplicateKeyError(yaml.constructor.ConstructorError):
    """A key given twice in one mapping; ``context_mark`` is where it was first given."""

    def __init__(self, key: Any, first: yaml.Mark, again: yaml.Mark) -> None:
        super().__init__("first given", first, f"duplicate key {key!r}", again)
        self.key = key


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    # keys written in this mapping must be unique; keys it takes from a merge (`<<: *x`)
    # may be overridden by its own, as YAML specifies (flatten_mapping puts them first)
    own = sum(1 for k, _ in node.value if k.tag != "tag:yaml.org,2002:merge")
    loader.flatten_mapping(node)
    merged = len(node.value) - own
    mapping: dict[Any, Any] = {}
    first: dict[Any, yaml.Mark] = {}
    for i, (key_node, value_node) in enumerate(node.value):
        key = loader.construct_object(key_node)
        if not isinstance(key, typing.Hashable):
            raise yaml.constructor.ConstructorError(
                None, None, "a list or mapping cannot be a key", key_node.start_mark
            )
        if key in first and i >= merged:
            raise _DuplicateKeyError(key, first[key], key_node.start_mark)
        if i >= merged:
            first[key] = key_node.start_mark
        mapping[key] = loader.construct_object(value_node)
    return mapping


def _construct_timestamp(loader: _UniqueKeyLoader, node: yaml.ScalarNode) -> Any:
    # a date that does not exist (2027-02-30) stays text, for the schema to refuse with
    # the field's path; PyYAML would raise a bare ValueError
    try:
        return yaml.constructor.SafeConstructor.construct_yaml_timestamp(loader, node)
    except (ValueError, OverflowError):
        return str(node.value)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


# Plain scalars are read as YAML 1.2 reads them, not as PyYAML's YAML 1.1: only true and
# false are booleans (a buyer called `no`, for Norway, stays a name), there are no base-60
# numbers (`1:30` is text, not 90) nor octals with a bare leading 0, and `1.0e9` is a
# number. Dates keep PyYAML's resolver.
_BOOL = "tag:yaml.org,2002:bool"
_INT = "tag:yaml.org,2002:int"
_FLOAT = "tag:yaml.org,2002:float"
_UniqueKeyLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in (_BOOL, _INT, _FLOAT)]
    for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
}
_UniqueKeyLoader.add_implicit_resolver(
    _BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_UniqueKeyLoader.add_implicit_resolver(
    _INT,
    re.compile(r"^(?:[-+]?[0-9][0-9_]*|0o[0-7_]+|0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"),
)
_UniqueKeyLoader.add_implicit_resolver(
    _FLOAT,
    re.compile(
        r"^(?:[-+]?(?:\.[0-9][0-9_]*|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+.0123456789"),
)


def _construct_bool(loader: _UniqueKeyLoader, node: yaml.ScalarNode) -> bool:
    return str(node.value).lower() == "true"


def _construct_int(loader: _UniqueKeyLoader, node: yaml.ScalarNode) -> int:
    text = str(node.value).replace("_", "")
    if text.startswith(("0o", "0x")):
        return int(text, 0)
    return int(text, 10)


def _construct_float(loader: _UniqueKeyLoader, node: yaml.ScalarNode) -> float:
    text = str(node.value).replace("_", "").lower()
    if text.endswith((".inf", ".nan")):
        sign = -1.0 if text.startswith("-") else 1.0
        return sign * math.inf if text.endswith("inf") else math.nan
    return float(text)


_UniqueKeyLoader.add_constructor(_BOOL, _construct_bool)
_UniqueKeyLoader.add_constructor(_INT, _construct_int)
_UniqueKeyLoader.add_constructor(_FLOAT, _construct_float)


class _TooBig(Exception):
    def __init__(self, problem: str, mark: yaml.Mark | None) -> None:
        super().__init__(problem)
        self.problem = problem
        self.mark = mark


def _check_size(root: yaml.Node) -> None:
    """Count the values ``root`` expands to, aliases included, without expanding them:
    each node is counted once and its total reused wherever an alias names it."""
    totals: dict[int, int] = {}
    open_: set[int] = set()

    def count(node: yaml.Node, depth: int) -> int:
        key = id(node)
        if key in totals:
            return totals[key]
        if key in open_:
            raise _TooBig("an alias refers to a value that contains it", node.start_mark)
        if depth > MAX_DEPTH:
            raise _TooBig(f"values nested more than {MAX_DEPTH} deep", node.start_mark)
        open_.add(key)
        n = 1
        if isinstance(node, yaml.SequenceNode):
            for child in node.value:
                n += count(child, depth + 1)
                if n > MAX_NODES:
                    break
        elif isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                n += count(k, depth + 1) + count(v, depth + 1)
                if n > MAX_NODES:
                    break
        open_.discard(key)
        if n > MAX_NODES:
            raise _TooBig(
                f"more than {MAX_NODES:,} values once its aliases are expanded", node.start_mark
            )
        totals[key] = n
        return n

    count(root, 0)


def read_text(path: Path, what: str) -> str:
    """The UTF-8 text of an input file; ScenarioError if it is missing, too large, binary
    or not UTF-8."""
    name = str(path)
    allowed = f"an existing {what}"
    try:
        if not path.is_file():
            problem = "not a file" if path.exists() else "file not found"
            raise ScenarioError(name, "", name, allowed, problem)
        size = path.stat().st_size
        if size > MAX_INPUT_BYTES:
            raise ScenarioError(
                name,
                "",
                f"{size:,} bytes",
                f"{what} of at most {MAX_INPUT_BYTES:,} bytes",
                "file too large",
            )
        data = path.read_bytes()
    except OSError as err:
        raise ScenarioError(
            name, "", name, f"a readable {what}", err.strerror or "unreadable"
        ) from err
    if b"\0" in data:
        raise ScenarioError(name, "", "binary data", f"a {what} (UTF-8 text)", "not a text file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ScenarioError(
            name,
            "",
            f"byte 0x{data[err.start]:02x} at position {err.start}",
            f"a {what} in UTF-8 text (save it as UTF-8)",
            "not UTF-8 text",
        ) from err


def read_yaml(path: Path, what: str = "YAML file") -> Any:
    """Read ``path`` as one YAML document, with the checks listed in the module's doc."""
    text = read_text(path, what)
    return load_yaml_text(text, str(path), echo=path.suffix.lower() in YAML_SUFFIXES)


def load_yaml_text(text: str, name: str, *, echo: bool = True) -> Any:
    """Parse ``text`` (from the file ``name``) as one YAML document. ``echo`` shows the
    offending line of malformed YAML (not done for files that are not .yaml: they may be
    anything, and their contents are not ours to print)."""
    loader = _UniqueKeyLoader(text)
    try:
        try:
            node = loader.get_single_node()
            if node is None:
                return None
            _check_size(node)
            return loader.construct_document(node)
        finally:
            loader.dispose()
    except _TooBig as err:
        line = f" at line {err.mark.line + 1}" if err.mark is not None else ""
        raise ScenarioError(
            name, "", "", "a file of plain values (few aliases, little nesting)", err.problem + line
        ) from None
    except RecursionError:
        raise ScenarioError(
            name, "", "", f"values nested at most {MAX_DEPTH} deep", "nested too deeply"
        ) from None
    except _DuplicateKeyError as err:
        raise _duplicate_key(name, text, err) from err
    except yaml.MarkedYAMLError as err:
        raise _malformed(name, text, err, echo) from err
    except yaml.YAMLError as err:
        raise ScenarioError(name, "", "", "well-formed YAML", "malformed YAML") from err


def _malformed(file: str, text: str, err: yaml.MarkedYAMLError, echo: bool) -> ScenarioError:
    """Malformed YAML: the line and column, the text of that line, what the parser says."""
    mark = err.problem_mark or err.context_mark
    said = (err.problem or "").strip()
    if err.context and err.context_mark and err.context_mark is not mark:
        said = f"{err.context.strip()} (line {err.context_mark.line + 1}), {said}"
    allowed = f"well-formed YAML; the parser says: {said}"
    if mark is None:
        return ScenarioError(file, "", "", allowed, "malformed YAML")
    got = ""
    if echo:
        lines = text.splitlines()
        got = lines[mark.line].strip()[:60] if mark.line < len(lines) else ""
    return ScenarioError(
        file,
        "",
        got,
        allowed,
        f"malformed YAML at line {mark.line + 1}, column {mark.column + 1}",
    )


def _duplicate_key(file: str, text: str, err: _DuplicateKeyError) -> ScenarioError:
    """A key given twice: the field path of the second one and both line numbers."""
    again, first = err.problem_mark, err.context_mark
    assert again is not None and first is not None
    try:
        path = _node_path(yaml.compose(text, Loader=yaml.SafeLoader), again) or ""
    except (yaml.YAMLError, RecursionError):
        path = ""
    parent = path.rsplit(".", 1)[0] if "." in path else "the top level"
    key = err.key if isinstance(err.key, str | int | float | dt.date) else str(err.key)
    return ScenarioError(
        file,
        path,
        key,
        f"each key once in {parent} (ids must be unique); it is first given at line "
        f"{first.line + 1}",
        f"duplicate key at line {again.line + 1}",
    )


def _node_path(node: yaml.Node | None, mark: yaml.Mark, path: str = "") -> str | None:
    """Field path of the mapping key that starts at ``mark``."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            here = join_path(path, key_node.value)
            if key_node.start_mark.index == mark.index:
                return here
            if value_node.start_mark.index <= mark.index <= value_node.end_mark.index:
                found = _node_path(value_node, mark, here)
                if found:
                    return found
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            if item.start_mark.index <= mark.index <= item.end_mark.index:
                found = _node_path(item, mark, f"{path}[{i}]")
                if found:
                    return found
    return None
