"""The README's scenario reference must match what the loader accepts."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

from gasroutes import scenario_from_dict
from gasroutes.scenario.components import (
    Buyer,
    Connection,
    Contract,
    Domestic,
    GasField,
    Hub,
    Offtake,
    Payment,
    Route,
    Settings,
)
from gasroutes.scenario.events import (
    Capacity,
    Commission,
    Cutoff,
    CutoffOnArrears,
    Demand,
    Outage,
    PaymentEvent,
    Price,
    Resume,
    ResumeOnArrears,
    SetParameter,
)
from gasroutes.scenario.model import Scenario
from gasroutes.scenario.schedules import TrendLine
from gasroutes.scenario.uncertainty import Delays, Distribution, Noise, Outages, Uncertainty

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def _example() -> str:
    section = README.split("### A complete example", 1)[1]
    match = re.search(r"```yaml\n(.*?)```", section, re.S)
    assert match, "the README has no YAML block under 'A complete example'"
    return match.group(1)


def test_readme_example_validates_and_runs() -> None:
    from gasroutes import run

    scenario = scenario_from_dict(yaml.safe_load(_example()), file="README.md")
    assert scenario.name == "two-buyers"
    result = run(scenario)
    assert result.summary["conservation_error"] <= 1e-9


MODELS: list[type[BaseModel]] = [
    Scenario,
    Settings,
    GasField,
    Hub,
    Connection,
    Domestic,
    Route,
    Contract,
    Offtake,
    TrendLine,
    Payment,
    Buyer,
    Cutoff,
    Resume,
    Outage,
    Capacity,
    Commission,
    Demand,
    Price,
    PaymentEvent,
    SetParameter,
    CutoffOnArrears,
    ResumeOnArrears,
    Uncertainty,
    Outages,
    Noise,
    Delays,
    Distribution,
]


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_every_field_is_documented(model: type[BaseModel]) -> None:
    reference = README.split("## Scenario file reference", 1)[1].split("## Shipped", 1)[0]
    missing = [
        f for f in model.model_fields if not re.search(rf"`([a-z_.<>]+\.)?{f}[`.,]", reference)
    ]
    assert not missing, f"{model.__name__} fields missing from the README reference: {missing}"


def test_every_event_kind_is_documented() -> None:
    for model in MODELS:
        kind = model.model_fields.get("kind")
        if kind is not None:
            for value in kind.annotation.__args__:  # type: ignore[union-attr]
                assert f"| `{value}` |" in README, f"event kind {value!r} not in the README"


@pytest.mark.slow
def test_the_python_snippet_runs_as_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's "From Python" block, run in order in a fresh folder that has the
    shipped scenarios (as a clone has): it must not name a folder it did not make."""
    section = README.split("From Python", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "the README has no Python block after 'From Python'"
    root = Path(__file__).resolve().parents[2]
    (tmp_path / "scenarios").symlink_to(root / "scenarios")
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {}
    exec(compile(match.group(1), "README.md", "exec"), namespace)
    for folder in ("my-folder", "baseline-x30", "compare", "historical"):
        assert (tmp_path / "outputs" / folder / "report.html").is_file(), folder
    assert (tmp_path / "outputs" / "sweeps" / "iran-arrears-threshold" / "runs.csv").is_file()
    assert 0 < namespace["check"].summary["weighted_mape"] < 1  # type: ignore[attr-defined]
