"""The scenario loader: invalid scenarios and their messages, ``extends``, the YAML round trip.

Each invalid case starts from the valid ``small`` mapping (tests/conftest.py) or from YAML
text, breaks one thing, and checks the part of the message that says what and where: the
field path, the problem and what is allowed. Every message is one line naming the file, the
path, the value and the allowed values.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

import gasroutes
from gasroutes import ScenarioError
from gasroutes.scenario.model import scenario_to_yaml

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
Writer = Callable[..., Path]
Build = Callable[[dict[str, Any], Writer], object]


# --------------------------------------------------------------------------- case builders


def _dict(change: Callable[[dict[str, Any]], object]) -> Build:
    """Change the small mapping, then validate it with scenario_from_dict."""

    def build(small: dict[str, Any], write: Writer) -> object:
        change(small)
        return gasroutes.scenario_from_dict(small)

    return build


def _file(change: Callable[[dict[str, Any]], object]) -> Build:
    """Change the small mapping, write it to a YAML file and load that file."""

    def build(small: dict[str, Any], write: Writer) -> object:
        change(small)
        return gasroutes.load_scenario(write(small))

    return build


def _text(text: str, name: str = "scenario.yaml", others: dict[str, str] | None = None) -> Build:
    """Write YAML text to ``name`` (and ``others``, file name: text) and load ``name``."""

    def build(small: dict[str, Any], write: Writer) -> object:
        for other, content in (others or {}).items():
            write(content, other)
        return gasroutes.load_scenario(write(text, name))

    return build


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    """Set a value at a dotted path (list indices as numbers): ``events.0.route``."""

    def change(d: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = d
        for part in parents:
            target = target[int(part)] if isinstance(target, list) else target[part]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return change


def _drop(path: str) -> Callable[[dict[str, Any]], None]:
    def change(d: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = d
        for part in parents:
            target = target[part]
        del target[last]

    return change


def _event(**event: Any) -> Callable[[dict[str, Any]], None]:
    """Append an event to the small scenario's two (a cutoff and a resume of alpha)."""
    return lambda d: d["events"].append(event)


def _m(*parts: str) -> str:
    """A pattern matching the literal ``parts`` in this order."""
    return ".*".join(re.escape(p) for p in parts)


ID_RULE = "a lowercase id (letters a-z, digits and _, starting with a letter)"
ALL_KINDS = "one of cutoff, resume, outage, capacity, commission, demand, price, payment, set"

# --------------------------------------------------------------------------- invalid cases

CASES = [
    # reading the file
    pytest.param(
        _text("name: broken\nstart: [2020-01-01\nend: 2020-01-10\n"),
        _m(
            "malformed YAML at line 3, column 4 (got 'end: 2020-01-10'); allowed: well-formed",
            "while parsing a flow sequence (line 2), did not find expected ',' or ']'",
        ),
        id="malformed-yaml-unclosed-list",
    ),
    pytest.param(
        _text("name: broken\nstart: 2020-01-01\n  end: 2020-01-10\n"),
        _m("malformed YAML at line 3, column 6", "mapping values are not allowed"),
        id="malformed-yaml-indentation",
    ),
    pytest.param(_text(""), _m("empty file; allowed"), id="empty-file"),
    pytest.param(_text("# only a comment\n"), _m("empty file"), id="comments-only"),
    pytest.param(
        _text("- north\n- south\n"),
        _m("the document is a list, not a mapping; allowed", "YAML mapping"),
        id="document-is-a-list",
    ),
    pytest.param(
        _text("name: dup\nfields:\n  north: {capacity_bcm_per_year: 1}\n  north: {}\n"),
        _m(
            "fields.north: duplicate key at line 4 (got 'north'); allowed: each key once in "
            "fields (ids must be unique); it is first given at line 3"
        ),
        id="duplicate-yaml-key-in-fields",
    ),
    pytest.param(
        _text("extends: nowhere.yaml\nname: lost\n"),
        _m(
            "extends: the base scenario does not exist (got 'nowhere.yaml')",
            "existing scenario file",
        ),
        id="missing-extends-base",
    ),
    pytest.param(
        _text("extends: b.yaml\n", name="a.yaml", others={"b.yaml": "extends: a.yaml\n"}),
        _m("b.yaml: extends: 'extends' forms a cycle (a.yaml -> b.yaml -> a.yaml)"),
        id="cyclic-extends",
    ),
    pytest.param(
        _dict(_set("extends", "base.yaml")),
        _m("extends: 'extends' needs a file to be relative to (got 'base.yaml')"),
        id="extends-in-a-mapping",
    ),
    # unknown keys, with the closest valid key suggested
    pytest.param(
        _dict(_set("evnts", [])),
        _m("evnts: unknown key (got 'evnts'); allowed: one of name,", "did you mean 'events'?"),
        id="unknown-top-level-key",
    ),
    pytest.param(
        _dict(_set("fields.north.capacity_bcm_per_yr", 3.0)),
        _m(
            "fields.north.capacity_bcm_per_yr: unknown key",
            "allowed: one of capacity_bcm_per_year, monthly_profile, description; "
            "did you mean 'capacity_bcm_per_year'?",
        ),
        id="unknown-field-key",
    ),
    pytest.param(
        _dict(_set("buyers.alpha.contract.prise_usd_per_tcm", 90)),
        _m("buyers.alpha.contract.prise_usd_per_tcm: unknown key", "'price_usd_per_tcm'?"),
        id="unknown-contract-key",
    ),
    pytest.param(
        _dict(_set("events.0.reson", "typo")),
        _m("events[0].reson: unknown key", "one of date, id, reason,", "did you mean 'reason'?"),
        id="unknown-event-key",
    ),
    # wrong types
    pytest.param(
        _dict(_set("routes.east.capacity_bcm_per_year", "lots")),
        _m("routes.east.capacity_bcm_per_year: not a number (got 'lots'); allowed: a number"),
        id="string-for-number",
    ),
    pytest.param(
        _dict(_set("fields.north.capacity_bcm_per_year", "lots")),
        _m(
            "fields.north.capacity_bcm_per_year: wrong type (got 'lots'); "
            "allowed: a number, a mapping of dates (YYYY-MM-DD) to numbers"
        ),
        id="string-for-schedule",
    ),
    pytest.param(
        _file(_set("end", 2020)),
        _m("end: a number is not a date (got 2020); allowed: a real calendar date written YYYY"),
        id="number-for-date",
    ),
    pytest.param(
        # pydantic alone reads 0 as 1 January 1970 and accepted this 50-year run
        _dict(_set("start", 0)),
        _m("start: a number is not a date (got 0)"),
        id="zero-for-start-date",
    ),
    pytest.param(
        _dict(_set("fields.north.capacity_bcm_per_year", {2020: 3.66})),
        _m("fields.north.capacity_bcm_per_year.2020: a number is not a date (got 2020)"),
        id="number-for-schedule-date",
    ),
    pytest.param(
        _file(_set("routes.west.capacity_bcm_per_year", True)),
        _m("routes.west.capacity_bcm_per_year: true/false is not a number (got True)"),
        id="boolean-for-number",
    ),
    pytest.param(
        _dict(_set("fields.south.capacity_bcm_per_year", {"linear": 1.83})),
        _m("fields.south.capacity_bcm_per_year.linear: not a mapping (got 1.83)"),
        id="ramp-without-points",
    ),
    pytest.param(
        _dict(_set("start", "2020-13-01")),
        _m("start: not a date (got '2020-13-01'); allowed: a real calendar date written"),
        id="impossible-date",
    ),
    pytest.param(
        _dict(_set("routes.east.transit_time_days", 1.5)),
        _m("routes.east.transit_time_days: not a whole number (got 1.5)"),
        id="fraction-for-days",
    ),
    pytest.param(
        _dict(_set("fields", ["north", "south"])),
        _m("fields: not a mapping (got ['north', 'south']); allowed: a mapping (key: value)"),
        id="list-for-mapping",
    ),
    pytest.param(
        _dict(_set("settings.initial_linepack", "full")),
        _m("settings.initial_linepack: not an allowed value (got 'full')", "'steady' or 'empty'"),
        id="not-a-choice",
    ),
    # numbers out of range
    pytest.param(
        _dict(_set("fields.north.capacity_bcm_per_year", -1)),
        _m("fields.north.capacity_bcm_per_year: too small (got -1); allowed: a number >= 0"),
        id="negative-field-capacity",
    ),
    pytest.param(
        _dict(_set("fields.north.capacity_bcm_per_year", {dt.date(2020, 1, 1): -1})),
        _m("fields.north.capacity_bcm_per_year.2020-01-01: too small (got -1)", ">= 0"),
        id="negative-step-in-schedule",
    ),
    pytest.param(
        _dict(_set("routes.east.capacity_bcm_per_year", 0)),
        _m("routes.east.capacity_bcm_per_year: too small (got 0); allowed: a number > 0"),
        id="zero-route-capacity",
    ),
    pytest.param(
        _dict(_set("routes.west.capacity_bcm_per_year", -3.5)),
        _m("routes.west.capacity_bcm_per_year: too small (got -3.5); allowed: a number > 0"),
        id="negative-route-capacity",
    ),
    pytest.param(
        _dict(_set("buyers.alpha.payment.share_paid", 1.5)),
        _m("buyers.alpha.payment.share_paid: too large (got 1.5); allowed: a number <= 1"),
        id="share-above-one",
    ),
    pytest.param(
        _dict(_set("fields", {})),
        _m("fields: empty (got {}); allowed: at least 1 item(s)"),
        id="no-fields",
    ),
    pytest.param(
        _dict(_drop("routes.east.capacity_bcm_per_year")),
        _m("routes.east.capacity_bcm_per_year: missing key", "this key is required"),
        id="missing-required-key",
    ),
    # the horizon and dates
    pytest.param(
        _dict(_set("end", "2019-12-31")),
        _m(
            "end: 'end' is before 'start' (got '2019-12-31'); "
            "allowed: a date on or after start (2020-01-01)"
        ),
        id="end-before-start",
    ),
    pytest.param(
        _dict(_set("events.1.date", "2020-02-01")),
        _m(
            "events[1].date: date outside the horizon (got '2020-02-01'); "
            "allowed: a date from 2020-01-01 to 2020-01-10"
        ),
        id="event-after-horizon",
    ),
    pytest.param(
        _dict(_set("events.0.date", "2019-12-31")),
        _m("events[0].date: date outside the horizon (got '2019-12-31')"),
        id="event-before-horizon",
    ),
    pytest.param(
        _dict(_event(date="2020-01-05", kind="outage", route="east", until="2020-01-03")),
        _m(
            "events[2].until: 'until' is before the event date (got '2020-01-03'); "
            "allowed: a date on or after the event's date 2020-01-05"
        ),
        id="until-before-date",
    ),
    pytest.param(
        _dict(_event(date="2020-01-05", kind="outage", route="east", until="2020-03-01")),
        _m("events[2].until: date outside the horizon (got '2020-03-01')"),
        id="until-after-horizon",
    ),
    # references between parts
    pytest.param(
        _dict(_event(date="2020-01-05", kind="outage", route="north_line", until="2020-01-06")),
        _m("events[2].route: unknown route (got 'north_line'); allowed: one of east, west"),
        id="event-unknown-route",
    ),
    pytest.param(
        _dict(_set("events.1.buyer", "gamma")),
        _m("events[1].buyer: unknown buyer (got 'gamma'); allowed: one of alpha, beta"),
        id="event-unknown-buyer",
    ),
    pytest.param(
        _dict(_set("buyers.beta.routes", ["west", "south_line"])),
        _m("buyers.beta.routes[1]: unknown route (got 'south_line'); allowed: one of east, west"),
        id="buyer-unknown-route",
    ),
    pytest.param(
        _dict(_set("rules", [{"kind": "cutoff_on_arrears", "buyer": "gamma", "above_usd": 1}])),
        _m("rules[0].buyer: unknown buyer (got 'gamma'); allowed: one of alpha, beta"),
        id="rule-unknown-buyer",
    ),
    pytest.param(
        _dict(_event(date="2020-01-05", kind="set", path="routes.east.speed", value=1)),
        _m(
            "events[2].path: unknown parameter path (got 'routes.east.speed'); "
            "allowed: one of fields.<id>.capacity_bcm_per_year, connections.<id>.capacity_bcm"
        ),
        id="bad-set-path",
    ),
    pytest.param(
        _dict(_event(date="2020-01-05", kind="set", path="routes.nope.capacity_bcm_per_year")),
        _m("events[2].value: missing key; allowed: a value; this key is required"),
        id="set-without-value",
    ),
    pytest.param(
        _dict(
            _event(date="2020-01-05", kind="set", path="routes.nope.capacity_bcm_per_year", value=1)
        ),
        _m(
            "events[2].path: unknown route 'nope' in the parameter path",
            "allowed: routes.<id>.capacity_bcm_per_year with <id> one of east, west",
        ),
        id="set-path-unknown-id",
    ),
    # ids
    pytest.param(
        _dict(lambda d: [e.update(id="alpha_off") for e in d["events"]]),
        _m("events[1].id: duplicate id (got 'alpha_off'); allowed: an id not used by another"),
        id="duplicate-event-ids",
    ),
    pytest.param(
        _dict(_set("routes.north", {"capacity_bcm_per_year": 1.0})),
        _m("routes.north: duplicate id (got 'north'); allowed: an id not already used in fields"),
        id="route-named-like-a-field",
    ),
    pytest.param(
        _dict(_set("fields.North", {"capacity_bcm_per_year": 1.0})),
        _m(f"fields.North: bad id (got 'North'); allowed: {ID_RULE}"),
        id="uppercase-field-id",
    ),
    pytest.param(
        _dict(_set("buyers.alpha.routes", ["East"])),
        _m(f"buyers.alpha.routes[0]: bad id (got 'East'); allowed: {ID_RULE}"),
        id="uppercase-route-in-buyer",
    ),
    pytest.param(
        _dict(_set("events.0.id", "Cut1")),
        _m("events[0].id: bad id (got 'Cut1')"),
        id="uppercase-event-id",
    ),
    pytest.param(
        _dict(_set("name", "my run")),
        _m("name: bad name (got 'my run'); allowed: letters, digits, '_', '.' and '-'"),
        id="name-with-a-space",
    ),
    # events
    pytest.param(
        _dict(_event(date="2020-01-05", kind="explode", route="east")),
        _m(f"events[2].kind: unknown event kind (got 'explode'); allowed: {ALL_KINDS}"),
        id="unknown-event-kind",
    ),
    pytest.param(
        _dict(_event(date="2020-01-05", route="east")),
        _m(f"events[2].kind: event without 'kind'; allowed: {ALL_KINDS}"),
        id="event-without-kind",
    ),
    pytest.param(
        _dict(_set("events.0.route", "east")),
        _m(
            "events[0]: both 'buyer' and 'route' given (got {'buyer': 'alpha', 'route': 'east'})",
            "allowed: exactly one of 'buyer', 'route' or 'terminal'",
        ),
        id="cutoff-with-two-targets",
    ),
    # monthly profiles
    pytest.param(
        _dict(_set("domestic.monthly_profile", [1.0] * 11)),
        _m(
            "domestic.monthly_profile: 11 values instead of 12",
            "allowed: 12 weights (Jan..Dec), each >= 0, with a positive sum",
        ),
        id="profile-of-11-months",
    ),
    pytest.param(
        _file(_set("buyers.beta.contract.monthly_profile", [1.0] * 13)),
        _m("buyers.beta.contract.monthly_profile: 13 values instead of 12"),
        id="contract-profile-of-13-months",
    ),
]


@pytest.mark.parametrize(("build", "match"), CASES)
def test_invalid_scenario(
    build: Build, match: str, small: dict[str, Any], write_yaml: Writer
) -> None:
    with pytest.raises(ScenarioError, match=match) as info:
        build(small, write_yaml)
    err = info.value
    message = str(err)
    # one problem, told in one line that starts with the file
    assert len(err.problems) == 1, message
    assert "\n" not in message
    assert message.startswith(f"{err.file}: ")
    if err.value is None or err.value == "":
        assert "(got" not in message  # nothing to show: no empty "(got '')"
    else:
        assert f"(got {err.value!r})" in message or len(repr(err.value)) > 80
    assert message.endswith(f"allowed: {err.allowed}")


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 20


# --------------------------------------------------------------------------- attributes


def test_attributes_of_an_unknown_reference(small: dict[str, Any]) -> None:
    small["events"][0] = {"date": "2020-01-04", "kind": "cutoff", "route": "north_line"}
    with pytest.raises(ScenarioError) as info:
        gasroutes.scenario_from_dict(small)
    err = info.value
    assert (err.file, err.path, err.value) == ("<dict>", "events[0].route", "north_line")
    assert err.allowed == "one of east, west"
    assert err.problem == "unknown route"


def test_attributes_of_an_unknown_key_in_a_file(small: dict[str, Any], write_yaml: Writer) -> None:
    small["fields"]["north"]["capacity_bcm_per_yr"] = 3.66
    path = write_yaml(small)
    with pytest.raises(ScenarioError) as info:
        gasroutes.load_scenario(path)
    err = info.value
    assert err.file == str(path.resolve())
    assert err.path == "fields.north.capacity_bcm_per_yr"
    assert err.value == "capacity_bcm_per_yr"
    assert err.allowed == (
        "one of capacity_bcm_per_year, monthly_profile, description; did you mean "
        "'capacity_bcm_per_year'?"
    )


def test_attributes_of_malformed_yaml(write_yaml: Writer) -> None:
    path = write_yaml("name: broken\nfields: {north: 1\n")
    with pytest.raises(ScenarioError) as info:
        gasroutes.load_scenario(path)
    err = info.value
    assert err.file == str(path.resolve())
    assert err.path == ""
    assert err.problem.startswith("malformed YAML at line 3")  # the parser reads on to EOF
    assert err.allowed.startswith("well-formed YAML; the parser says: while parsing a flow")


def test_attributes_of_a_duplicate_key(write_yaml: Writer) -> None:
    path = write_yaml("name: dup\nroutes:\n  east: {}\nbuyers: {}\nroutes: {}\n")
    with pytest.raises(ScenarioError) as info:
        gasroutes.load_scenario(path)
    err = info.value
    assert (err.path, err.value) == ("routes", "routes")
    assert err.problem == "duplicate key at line 5"
    assert err.allowed.endswith("it is first given at line 2")


def test_attributes_of_a_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    with pytest.raises(ScenarioError) as info:
        gasroutes.load_scenario(path)
    err = info.value
    assert (err.file, err.path, err.problem) == (str(path.resolve()), "", "file not found")


def test_disabled_events_keep_their_index_in_the_message(small: dict[str, Any]) -> None:
    """The path counts the items of the file, including those switched off."""
    small["events"].insert(0, {"id": "off", "enabled": False})
    small["events"][2]["buyer"] = "gamma"
    with pytest.raises(ScenarioError) as info:
        gasroutes.scenario_from_dict(small)
    assert info.value.path == "events[2].buyer"


def test_every_problem_is_reported(small: dict[str, Any]) -> None:
    small["events"][0]["buyer"] = "delta"
    small["events"][1]["buyer"] = "gamma"
    with pytest.raises(ScenarioError) as info:
        gasroutes.scenario_from_dict(small)
    assert [p[1] for p in info.value.problems] == ["events[0].buyer", "events[1].buyer"]
    assert str(info.value).count("unknown buyer") == 2


def test_a_message_in_full(small: dict[str, Any], write_yaml: Writer) -> None:
    """The whole rendered message: file, path, problem, value, allowed values."""
    small["events"][1] = {"date": "2020-01-07", "kind": "resume", "route": "north_line"}
    path = write_yaml(small, "small.yaml")
    with pytest.raises(ScenarioError) as info:
        gasroutes.load_scenario(path)
    assert str(info.value) == (
        f"{path.resolve()}: events[1].route: unknown route (got 'north_line'); "
        "allowed: one of east, west"
    )


# --------------------------------------------------------------------------- extends


@pytest.fixture
def base(small: dict[str, Any], write_yaml: Writer) -> Path:
    """The small scenario as base.yaml, its events with ids."""
    small["events"][0]["id"] = "alpha_off"
    small["events"][1]["id"] = "alpha_on"
    return write_yaml(small, "base.yaml")


def _child(write_yaml: Writer, text: str, name: str = "child.yaml") -> Path:
    return write_yaml("extends: base.yaml\n" + text, name)


def test_child_overrides_a_nested_value(base: Path, write_yaml: Writer) -> None:
    child = _child(write_yaml, "routes:\n  east:\n    capacity_bcm_per_year: 5.0\n")
    s = gasroutes.load_scenario(child)
    assert s.routes["east"].capacity_bcm_per_year == 5.0
    assert s.routes["east"].transit_time_days == 2  # the rest of east is the base's
    assert s.routes["west"].capacity_bcm_per_year == 3.66
    assert s.fields == gasroutes.load_scenario(base).fields


def test_child_event_with_a_base_id_replaces_it(base: Path, write_yaml: Writer) -> None:
    child = _child(
        write_yaml,
        "events:\n"
        "  - {id: alpha_off, date: 2020-01-05, kind: cutoff, buyer: beta}\n"
        "  - {date: 2020-01-09, kind: price, buyer: beta, price_usd_per_tcm: 250}\n",
    )
    s = gasroutes.load_scenario(child)
    assert [(e.id, e.kind, e.date.day) for e in s.events] == [
        ("alpha_off", "cutoff", 5),  # in the base's place
        ("alpha_on", "resume", 7),
        (None, "price", 9),
    ]
    assert getattr(s.events[0], "buyer", None) == "beta"


def test_child_disables_a_base_event(base: Path, write_yaml: Writer) -> None:
    child = _child(write_yaml, "events:\n  - {id: alpha_off, enabled: false}\n")
    s = gasroutes.load_scenario(child)
    assert [e.id for e in s.events] == ["alpha_on"]
    assert "enabled" not in scenario_to_yaml(s)


def test_inherited_bad_value_names_the_base_file(small: dict[str, Any], write_yaml: Writer) -> None:
    small["fields"]["south"]["capacity_bcm_per_year"] = -1.83
    base = write_yaml(small, "base.yaml")
    # the child changes another value of the same section: fields.south is still the base's
    child = _child(write_yaml, "fields:\n  north:\n    capacity_bcm_per_year: 4.0\n")
    with pytest.raises(ScenarioError) as info:
        gasroutes.load_scenario(child)
    err = info.value
    assert err.file == str(base.resolve())
    assert err.path == "fields.south.capacity_bcm_per_year"
    assert str(err).startswith(f"{base.resolve()}: fields.south.capacity_bcm_per_year: ")


def test_bad_value_set_by_the_child_names_the_child(base: Path, write_yaml: Writer) -> None:
    child = _child(write_yaml, "fields:\n  north:\n    capacity_bcm_per_year: -4.0\n")
    with pytest.raises(ScenarioError) as info:
        gasroutes.load_scenario(child)
    assert (info.value.file, info.value.path) == (
        str(child.resolve()),
        "fields.north.capacity_bcm_per_year",
    )


def test_inherited_and_own_events_are_located_in_their_files(
    small: dict[str, Any], write_yaml: Writer
) -> None:
    small["events"][1]["buyer"] = "gamma"
    base = write_yaml(small, "base.yaml")
    child = _child(write_yaml, "events:\n  - {date: 2020-01-05, kind: cutoff, buyer: delta}\n")
    with pytest.raises(ScenarioError) as info:
        gasroutes.load_scenario(child)
    problems = [(p[0], p[1], p[2]) for p in info.value.problems]
    assert problems == [
        (str(base.resolve()), "events[1].buyer", "gamma"),
        (str(child.resolve()), "events[0].buyer", "delta"),  # its index in child.yaml
    ]


def test_child_with_one_id_twice_is_an_error(base: Path, write_yaml: Writer) -> None:
    """Two child events with a base event's id: the second must not silently win."""
    child = _child(
        write_yaml,
        "events:\n"
        "  - {id: alpha_off, date: 2020-01-05, kind: cutoff, buyer: beta}\n"
        "  - {id: alpha_off, date: 2020-01-06, kind: cutoff, buyer: beta}\n",
    )
    with pytest.raises(ScenarioError) as info:
        gasroutes.load_scenario(child)
    err = info.value
    assert (err.file, err.path, err.problem) == (
        str(child.resolve()),
        "events[1].id",
        "duplicate id",
    )


def test_name_defaults_to_the_file_stem_and_is_not_inherited(
    base: Path, write_yaml: Writer
) -> None:
    assert gasroutes.load_scenario(base).name == "small"
    child = _child(write_yaml, "seed: 7\n", name="what-if.v2.yaml")
    s = gasroutes.load_scenario(child)
    assert s.name == "what-if.v2"
    assert s.seed == 7


def test_a_base_file_error_names_the_base(base: Path, write_yaml: Writer) -> None:
    broken = write_yaml("extends: base.yaml\nstart: [\n", "middle.yaml")
    child = write_yaml("extends: middle.yaml\n", "child.yaml")
    with pytest.raises(ScenarioError, match="malformed YAML at line 3") as info:
        gasroutes.load_scenario(child)
    assert info.value.file == str(broken.resolve())


# --------------------------------------------------------------------------- round trip


def test_resolved_yaml_round_trip(tmp_path: Path) -> None:
    baseline = gasroutes.load_scenario(SCENARIOS / "baseline.yaml")
    text = scenario_to_yaml(baseline)
    assert "extends" not in yaml.safe_load(text)
    resolved = tmp_path / "baseline.yaml"
    resolved.write_text(text, encoding="utf-8")
    again = gasroutes.load_scenario(resolved)
    assert again == baseline
    assert again.sha256() == baseline.sha256()
    assert scenario_to_yaml(again) == text


# ----------------------------------------------------------------- a shortened horizon


def _parent_and_child(
    small: dict[str, Any], write: Writer, child: dict[str, Any]
) -> tuple[Path, Path]:
    """The small scenario over 2020 with three events as the parent, and a child of it."""
    parent = dict(
        small,
        end="2020-12-31",
        events=[
            {"date": "2020-02-01", "kind": "cutoff", "buyer": "alpha"},
            {"date": "2020-10-01", "kind": "outage", "route": "east", "until": "2020-12-15"},
            {"date": "2020-11-01", "kind": "resume", "buyer": "alpha"},
        ],
    )
    return write(parent, "parent.yaml"), write({"extends": "parent.yaml", **child}, "child.yaml")


def test_a_shorter_horizon_leaves_out_inherited_events_with_a_note(
    small: dict[str, Any], write_yaml: Writer
) -> None:
    parent, child = _parent_and_child(small, write_yaml, {"name": "child", "end": "2020-10-31"})
    with pytest.warns(gasroutes.ScenarioNote) as notes:
        s = gasroutes.load_scenario(child)
    assert s.end == dt.date(2020, 10, 31)
    kinds = [(e.kind, e.date) for e in s.events]
    assert kinds == [("cutoff", dt.date(2020, 2, 1)), ("outage", dt.date(2020, 10, 1))]
    assert s.events[1].until == dt.date(2020, 10, 31)  # cut at the new end
    text = " ".join(str(n.message) for n in notes)
    assert f"{parent}: events[2] (resume on 2020-11-01)" in text
    assert "left out" in text and "cut at 2020-10-31" in text
    assert f"{parent}: events[1] (outage on 2020-10-01)" in text
    gasroutes.run(s)  # and it runs


def test_a_later_start_leaves_out_what_came_before(
    small: dict[str, Any], write_yaml: Writer
) -> None:
    _, child = _parent_and_child(small, write_yaml, {"name": "child", "start": "2020-03-01"})
    with pytest.warns(gasroutes.ScenarioNote, match=r"events\[0\] \(cutoff on 2020-02-01\)"):
        s = gasroutes.load_scenario(child)
    assert [e.kind for e in s.events] == ["outage", "resume"]


def test_the_childs_own_events_outside_its_horizon_stay_errors(
    small: dict[str, Any], write_yaml: Writer
) -> None:
    own = {"date": "2020-11-15", "kind": "cutoff", "buyer": "alpha"}
    _, child = _parent_and_child(
        small, write_yaml, {"name": "child", "end": "2020-10-31", "events": [own]}
    )
    with pytest.warns(gasroutes.ScenarioNote), pytest.raises(ScenarioError) as err:
        gasroutes.load_scenario(child)
    assert str(child) in str(err.value) and "events[0].date" in str(err.value)


def test_a_parents_own_mistake_is_still_reported(small: dict[str, Any], write_yaml: Writer) -> None:
    """An event outside the parent's own horizon is the parent's error, not trimmed."""
    parent = dict(
        small,
        end="2020-12-31",
        events=[{"date": "2021-03-01", "kind": "cutoff", "buyer": "alpha"}],
    )
    write_yaml(parent, "parent.yaml")
    child = write_yaml({"extends": "parent.yaml", "name": "child", "end": "2020-06-30"})
    with pytest.raises(ScenarioError) as err:
        gasroutes.load_scenario(child)
    assert "parent.yaml" in str(err.value)


def test_the_command_prints_the_note(
    small: dict[str, Any], write_yaml: Writer, capsys: pytest.CaptureFixture[str]
) -> None:
    from gasroutes.cli import main

    _, child = _parent_and_child(small, write_yaml, {"name": "child", "end": "2020-10-31"})
    assert main(["validate", str(child)]) == 0
    err = capsys.readouterr().err
    assert "gasroutes: note: " in err and "left out" in err


# ----------------------------------------------------------------- recurring events


def _with_events(small: dict[str, Any], events: list[dict[str, Any]]) -> dict[str, Any]:
    return dict(small, start="2020-01-01", end="2023-01-15", events=events)


def test_a_yearly_event_stands_for_a_copy_each_year(
    small: dict[str, Any], write_yaml: Writer
) -> None:
    outage = {
        "id": "winter",
        "date": "2020-01-10",
        "kind": "outage",
        "route": "east",
        "until": "2020-01-19",
        "every": "year",
    }
    s = gasroutes.load_scenario(write_yaml(_with_events(small, [outage])))
    assert [(e.id, e.date, e.until) for e in s.events] == [
        ("winter", dt.date(2020, 1, 10), dt.date(2020, 1, 19)),
        ("winter_2", dt.date(2021, 1, 10), dt.date(2021, 1, 19)),
        ("winter_3", dt.date(2022, 1, 10), dt.date(2022, 1, 19)),
        ("winter_4", dt.date(2023, 1, 10), dt.date(2023, 1, 15)),  # cut at the end
    ]
    through = {**outage, "through": "2021-12-31"}
    s = gasroutes.load_scenario(write_yaml(_with_events(small, [through])))
    assert [e.date.year for e in s.events] == [2020, 2021]


def test_a_monthly_event_on_the_31st_falls_on_each_months_last_day(
    small: dict[str, Any], write_yaml: Writer
) -> None:
    event = {"date": "2020-01-31", "kind": "demand", "buyer": "alpha", "factor": 0.9}
    data = _with_events(small, [{**event, "every": "month", "through": "2020-04-30"}])
    s = gasroutes.load_scenario(write_yaml(data))
    assert [e.date for e in s.events] == [
        dt.date(2020, 1, 31),
        dt.date(2020, 2, 29),
        dt.date(2020, 3, 31),
        dt.date(2020, 4, 30),
    ]


@pytest.mark.parametrize("period", ["week", ["year"], {"a": 1}, 1])
def test_a_bad_period_names_the_file_and_the_event(
    small: dict[str, Any], write_yaml: Writer, period: Any
) -> None:
    event = {
        "date": "2020-01-31",
        "kind": "demand",
        "buyer": "alpha",
        "factor": 0.9,
        "every": period,
    }
    path = write_yaml(_with_events(small, [event]))
    with pytest.raises(ScenarioError) as err:
        gasroutes.load_scenario(path)
    text = str(err.value)
    assert str(path) in text and "events[0].every" in text and "year or month" in text


def test_the_shipped_winter_outage_is_one_event_that_recurs() -> None:
    root = Path(__file__).resolve().parents[2]
    s = gasroutes.load_scenario(root / "scenarios" / "cagp-winter-outage.yaml")
    base = gasroutes.load_scenario(root / "scenarios" / "baseline.yaml")
    added = [e for e in s.events if e not in base.events]
    assert [(e.date, e.until) for e in added] == [
        (dt.date(y, 1, 10), dt.date(y, 1, 19)) for y in range(2025, 2036)
    ]


def test_a_recurring_event_is_windowed_by_a_shorter_horizon(tmp_path: Path) -> None:
    root = Path(__file__).resolve().parents[2]
    child = tmp_path / "later.yaml"
    child.write_text(
        f"extends: {root / 'scenarios' / 'cagp-winter-outage.yaml'}\nname: later\n"
        "start: 2030-01-01\nend: 2032-01-15\n"
    )
    s = gasroutes.load_scenario(child)
    winter = [(e.date, e.until) for e in s.events if e.reason == "winter outage"]
    assert winter == [
        (dt.date(2030, 1, 10), dt.date(2030, 1, 19)),
        (dt.date(2031, 1, 10), dt.date(2031, 1, 19)),
        (dt.date(2032, 1, 10), dt.date(2032, 1, 15)),
    ]


@pytest.mark.parametrize(
    ("through", "says"),
    [("2019-12-31", "the repetitions end before they start"), ("tomorrow", "needs dates")],
)
def test_a_bad_through_is_an_error(
    small: dict[str, Any], write_yaml: Writer, through: str, says: str
) -> None:
    event = {"date": "2020-01-05", "kind": "demand", "buyer": "alpha", "factor": 0.9}
    path = write_yaml(_with_events(small, [{**event, "every": "year", "through": through}]))
    with pytest.raises(ScenarioError) as err:
        gasroutes.load_scenario(path)
    assert "events[0].through" in str(err.value) and says in str(err.value)


def test_a_through_at_the_calendars_end_is_no_crash(
    small: dict[str, Any], write_yaml: Writer
) -> None:
    event = {"date": "2020-01-05", "kind": "demand", "buyer": "alpha", "factor": 0.9}
    path = write_yaml(_with_events(small, [{**event, "every": "year", "through": "9999-12-31"}]))
    s = gasroutes.load_scenario(path)
    assert [e.date.year for e in s.events] == [2020, 2021, 2022, 2023]  # to 2023-01-15
