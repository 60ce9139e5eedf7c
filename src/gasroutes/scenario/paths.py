"""Parameters by path in a resolved scenario mapping: ``routes.cagp_d.capacity_bcm_per_year``,
and events and rules by id, ``events[russia_stops].date``. Sweeps and calibrations use them."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

__all__ = ["get_path", "leaf_paths", "set_path"]


def leaf_paths(data: dict[str, Any]) -> set[str]:
    """Every settable path of a resolved scenario mapping (events and rules by id)."""
    out: set[str] = set()

    def walk(value: Any, path: str) -> None:
        if isinstance(value, dict) and not _is_schedule(value):
            for k, v in value.items():
                walk(v, f"{path}.{k}" if path else str(k))
        else:
            out.add(path)

    for key, value in data.items():
        if key in ("events", "rules"):
            for item in value:
                if item.get("id"):
                    for field in item:
                        out.add(f"{key}[{item['id']}].{field}")
        else:
            walk(value, key)
    return out


def _is_schedule(value: dict[Any, Any]) -> bool:
    return "linear" in value or any(isinstance(k, dt.date) for k in value)


_INDEXED = re.compile(r"^(events|rules)\[([a-z][a-z0-9_]*)\]\.(\w+)$")


def get_path(data: dict[str, Any], path: str) -> Any:
    """The value at ``path`` in a resolved scenario mapping."""
    m = _INDEXED.match(path)
    if m:
        kind, ident, field = m.groups()
        for item in data[kind]:
            if item.get("id") == ident:
                return item[field]
        raise KeyError(path)
    node: Any = data
    for key in path.split("."):
        node = node[key]
    return node


def set_path(data: dict[str, Any], path: str, value: Any) -> None:
    """Set ``value`` at ``path`` in a resolved scenario mapping (in place)."""
    m = _INDEXED.match(path)
    if m:
        kind, ident, field = m.groups()
        for item in data[kind]:
            if item.get("id") == ident:
                item[field] = value
                return
        raise KeyError(path)
    node = data
    *head, last = path.split(".")
    for key in head:
        node = node[key]
    node[last] = value
