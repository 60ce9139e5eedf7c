"""Randomness in a run: random outages, demand and price noise, delays on rail and road.

Every source of randomness draws from its own numpy ``Generator``, seeded from the
scenario seed and a stable key naming the source (``outage:cagp_a``, ``demand:china``),
never from the order in which sources are created. Two scenarios run with the same seed
therefore share the random numbers of every source they have in common (common random
numbers): adding a route does not change the outages of the others.

- **Outages** alternate up and down times. Time between failures is counted in *stress
  days*: a day in a winter month counts ``winter_factor`` days, so failures come that much
  more often in winter. Repair times are calendar days. The process runs on the real
  calendar from EPOCH (1 Jan 1900; earlier when the scenario needs it), at least
  ``BURN_IN_CYCLES`` mean cycles before the horizon, so the first day is out with the
  long-run probability, not never, and a date's outages are the same whatever the
  scenario's start. The daily model sees an outage on
  every day whose mid-day dispatch falls inside it; the outages become ordinary dated
  changes (source ``random``) on the run's timeline, from the route's commissioning on.
- **Noise** (from NOISE_EPOCH, 1 Jan 2000) is multiplicative, positive and autocorrelated:
  ``m_t = exp(y_t - s^2 / 2)`` with the Gaussian AR(1)
  ``y_t = phi y_(t-1) + s sqrt(1 - phi^2) z_t`` started from its stationary law. ``s``
  and ``phi`` are chosen so that every day's factor has mean 1, standard deviation
  ``sd`` and lag-1 correlation ``lag1`` exactly: ``s^2 = ln(1 + sd^2)`` and
  ``phi = ln(1 + lag1 (e^(s^2) - 1)) / s^2``.
- **Delays** add a random number of days to each loaded trip of a train or a truck.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from gasroutes.scenario.uncertainty import NOISE_EPOCH, Distribution, Noise, Outages, outage_origin
from gasroutes.sim.changes import Change, EventKind, GasOp, LpgOp, Op, Source
from gasroutes.sim.timeline import ids_of

if TYPE_CHECKING:
    from gasroutes.scenario.model import Scenario
    from gasroutes.sim.days import Calendar


__all__ = ["ar1", "outage_intervals", "random_changes", "replication_seeds", "stream"]


def _key_words(key: str) -> tuple[int, ...]:
    """Four 32-bit words from a stable hash of ``key`` (not Python's salted ``hash``)."""
    digest = hashlib.blake2b(key.encode(), digest_size=16).digest()
    return tuple(int.from_bytes(digest[i : i + 4], "little") for i in range(0, 16, 4))


def stream(seed: int, key: str) -> np.random.Generator:
    """The random stream of one source: depends on the seed and the key, nothing else."""
    return np.random.Generator(
        np.random.PCG64(np.random.SeedSequence(entropy=seed, spawn_key=_key_words(key)))
    )


def replication_seeds(seed: int, n: int) -> list[int]:
    """Seeds of ``n`` replications: the first is ``seed`` itself (so one replication is
    the plain run), the others are derived from it."""
    if n < 1:
        raise ValueError("need at least one replication")
    derived = np.random.SeedSequence(entropy=seed, spawn_key=_key_words("replications"))
    return [seed, *(int(x) for x in derived.generate_state(n - 1, np.uint32))] if n > 1 else [seed]


class Draws:
    """Draws from a distribution, one at a time, taken from blocks (numpy is slow one by one
    and fast by the block; the sequence depends only on the stream)."""

    BLOCK = 1024

    def __init__(self, dist: Distribution, rng: np.random.Generator) -> None:
        self.dist, self.rng = dist, rng
        self.buf: list[float] = []
        self.i = 0

    def __call__(self) -> float:
        if self.i >= len(self.buf):
            self.buf = self.dist.draw(self.rng, self.BLOCK).tolist()
            self.i = 0
        x = self.buf[self.i]
        self.i += 1
        return x


def outage_intervals(
    spec: Outages, rng: np.random.Generator, months: Sequence[int] | np.ndarray, days: int
) -> list[tuple[float, float]]:
    """Outages over ``days`` days as (start, end) times in days from the start of day 0
    (the process starts at time 0 in service: see :func:`random_changes` for the burn-in).

    ``months`` gives each day's month (0-11). Time between failures accrues at
    ``winter_factor`` stress days per day in winter months and 1 otherwise.
    """
    winter = [m - 1 for m in spec.winter_months]
    rate = np.where(np.isin(np.asarray(months), winter), spec.winter_factor, 1.0)
    stress = np.concatenate(([0.0], np.cumsum(rate)))  # stress accrued by the start of day d
    out: list[tuple[float, float]] = []
    up_draws = Draws(spec.between_failures_days, rng)
    down_draws = Draws(spec.repair_days, rng)
    t = 0.0
    while t < days:
        d = int(t)
        at = stress[d] + (t - d) * rate[d] + up_draws()  # stress level of the next failure
        k = int(np.searchsorted(stress, at, side="right")) - 1
        if k >= days:
            break
        fail = k + (at - stress[k]) / rate[k]
        repaired = fail + down_draws()
        out.append((fail, repaired))
        t = repaired
    return out


def days_out(start: float, end: float) -> tuple[int, int]:
    """The days [first, stop) whose mid-day dispatch falls in an outage from ``start`` to
    ``end`` (empty when it falls between two dispatches)."""
    return math.ceil(start - 0.5), math.ceil(end - 0.5)


def random_changes(s: Scenario, cal: Calendar) -> list[tuple[int, Change]]:
    """The random outages of a run as dated changes, by day (their order within a day is
    the scenario's order of sources). Each source runs from ``burn_in_days`` before the
    horizon, from EPOCH (see outage_origin); outages before a route's commissioning day are
    left out (the draws are the same, so the outages after it do not change)."""
    ids = ids_of(s)
    out: list[tuple[int, Change]] = []
    for tid, spec in s.uncertainty.outages.items():
        if not spec.enabled:
            continue
        commissioned = None
        op: Op
        if tid in s.fields:
            op, section, on, off = GasOp.FIELD_DERATE, "fields", 1 - spec.loss, 1.0
        elif tid in s.routes:
            commissioned = s.routes[tid].commissioned_date
            if spec.loss < 1:
                op, section, on, off = GasOp.ROUTE_DERATE, "routes", 1 - spec.loss, 1.0
            else:
                op, section, on, off = GasOp.ROUTE_OUTAGE, "routes", 1.0, -1.0
        else:
            commissioned = s.lpg.rail_routes[tid].commissioned_date
            op, section, on, off = LpgOp.RAIL_OUTAGE, "rails", 1.0, -1.0
        first_day = max(cal.index(commissioned), 0) if commissioned else 0
        i = ids[section].index(tid)
        reason = "random outage" if spec.loss == 1 else f"random outage ({spec.loss:.0%} out)"
        lead = (cal.start - outage_origin(spec, cal.start)).days  # days before day 0
        day0 = np.datetime64(cal.start) - np.timedelta64(lead, "D")
        months = ((day0 + np.arange(lead + cal.days)).astype("datetime64[M]").astype(int)) % 12
        rng = stream(s.seed, f"outage:{tid}")
        for start, end in outage_intervals(spec, rng, months, lead + cal.days):
            first, stop = days_out(start - lead, end - lead)
            first = max(first, first_day)
            if first >= stop or first >= cal.days:
                continue
            out.append((first, Change(op, i, on, EventKind.OUTAGE, tid, Source.RANDOM, reason)))
            if stop < cal.days:
                out.append(
                    (stop, Change(op, i, off, EventKind.OUTAGE_END, tid, Source.RANDOM, reason))
                )
    out.sort(key=lambda t: t[0])
    return out


def ar1(spec: Noise, rng: np.random.Generator, days: int) -> list[float]:
    """Daily multipliers: mean 1, standard deviation ``sd``, lag-1 correlation ``lag1``
    (a lognormal AR(1), see the module's docstring)."""
    if days <= 0:
        return []
    z = rng.standard_normal(days)
    s2 = math.log1p(spec.sd**2)
    s = math.sqrt(s2)
    phi = math.log1p(spec.lag1 * math.expm1(s2)) / s2
    shocks = (z * (s * math.sqrt(1 - phi * phi))).tolist()
    y = [0.0] * days
    acc = s * float(z[0])
    y[0] = acc
    for d in range(1, days):
        acc = phi * acc + shocks[d]
        y[d] = acc
    out: list[float] = np.exp(np.asarray(y) - s2 / 2).tolist()
    return out


@dataclass(frozen=True)
class NoiseSeries:
    """Each buyer's demand and price multipliers per day (None: no noise)."""

    demand: list[list[float] | None]
    price: list[list[float] | None]


def noise_series(s: Scenario, days: int) -> NoiseSeries:
    """Each buyer's daily demand and price factors over the horizon, taken from a series
    that starts at NOISE_EPOCH (or the scenario's start, if earlier)."""
    origin = min(NOISE_EPOCH, s.start)
    skip = (s.start - origin).days

    def series(group: dict[str, Noise], kind: str) -> list[list[float] | None]:
        out: list[list[float] | None] = []
        for bid in s.buyers:
            spec = group.get(bid)
            out.append(
                ar1(spec, stream(s.seed, f"{kind}:{bid}"), skip + days)[skip:]
                if spec is not None and spec.enabled
                else None
            )
        return out

    u = s.uncertainty
    return NoiseSeries(series(u.demand_noise, "demand"), series(u.price_noise, "price"))


def delay_draws(s: Scenario, key: str) -> Draws | None:
    """Extra days for the trips of a rail route's trainset (``route#k``) or a fleet."""
    spec = s.uncertainty.delays.get(key.split("#")[0])
    if spec is None or not spec.enabled:
        return None
    return Draws(spec.extra_days, stream(s.seed, f"delay:{key}"))
