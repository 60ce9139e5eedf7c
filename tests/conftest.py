"""Shared fixtures: a small two-field, two-buyer scenario as a mapping, and helpers."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"

SMALL: dict[str, Any] = {
    "name": "small",
    "start": "2020-01-01",
    "end": "2020-01-10",
    "settings": {"initial_linepack": "empty"},
    "fields": {
        "north": {"capacity_bcm_per_year": 3.66},
        "south": {"capacity_bcm_per_year": 1.83},
    },
    "domestic": {"demand_bcm_per_year": 0.366},
    "routes": {
        "east": {"capacity_bcm_per_year": 2.196, "transit_time_days": 2},
        "west": {"capacity_bcm_per_year": 3.66, "transit_time_days": 0},
    },
    "buyers": {
        "alpha": {
            "routes": ["east"],
            "contract": {"volume_bcm_per_year": 3.66, "price_usd_per_tcm": 100, "priority": 1},
            "payment": {"share_paid": 0.5, "delay_days": 1},
        },
        "beta": {
            "routes": ["west"],
            "contract": {"volume_bcm_per_year": 7.32, "price_usd_per_tcm": 200, "priority": 2},
        },
    },
    "events": [
        {"date": "2020-01-04", "kind": "cutoff", "buyer": "alpha", "reason": "test"},
        {"date": "2020-01-07", "kind": "resume", "buyer": "alpha"},
    ],
}


@pytest.fixture
def small() -> dict[str, Any]:
    """A fresh copy of the small scenario mapping (dates as YAML would give them)."""
    return yaml.safe_load(yaml.safe_dump(copy.deepcopy(SMALL)))


@pytest.fixture
def write_yaml(tmp_path: Path):  # type: ignore[no-untyped-def]
    """Write a mapping (or raw text) to a YAML file in tmp_path; return its path."""

    def write(data: Any, name: str = "scenario.yaml") -> Path:
        path = tmp_path / name
        text = data if isinstance(data, str) else yaml.safe_dump(data, sort_keys=False)
        path.write_text(text, encoding="utf-8")
        return path

    return write
