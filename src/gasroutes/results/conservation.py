"""Conservation of mass, checked day by day at every node after every run.

Nodes and their balances (mcm, cumulative from the start of the run):

- ``fields``: produced = domestic use + gas sent into routes (from the per-route records);
- ``route:<id>``: gas in the pipe at the start + sent - arrived - lost = gas in the pipe now;
- ``system``: in the pipes at the start + produced = domestic + delivered + lost + in the pipes.

The imbalance is divided by the node's cumulative inflow (at least 1 mcm) so that the
tolerance, 1e-9, is relative.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from gasroutes.results.balance import worst_imbalance

if TYPE_CHECKING:
    from gasroutes.results.arrays import RunArrays

__all__ = ["check_conservation"]


def check_conservation(result: RunArrays) -> float:
    """Return the worst relative imbalance; raise ConservationError above TOLERANCE."""
    a = result.arrays
    sent = a["pair_sent"]
    arrived = a["pair_arrived"]
    nodes: list[tuple[str, np.ndarray, np.ndarray]] = []

    produced = np.cumsum(a["produced"])
    into_routes = np.cumsum(sent.sum(axis=0)) if len(sent) else np.zeros_like(produced)
    nodes.append(("fields", produced - np.cumsum(a["domestic"]) - into_routes, produced))

    for r, rid in enumerate(result.route_ids):
        rows = [i for i, (rr, _) in enumerate(result.pairs) if rr == r]
        inflow = result.route_initial[r] + np.cumsum(sent[rows].sum(axis=0))
        out = np.cumsum(arrived[rows].sum(axis=0)) + np.cumsum(a["route_lost"][r])
        nodes.append((f"route:{rid}", inflow - out - a["route_linepack"][r], inflow))

    inflow = result.route_initial.sum() + produced
    out = (
        np.cumsum(a["domestic"])
        + np.cumsum(arrived.sum(axis=0))
        + np.cumsum(a["route_lost"].sum(axis=0))
        + a["route_linepack"].sum(axis=0)
    )
    nodes.append(("system", inflow - out, inflow))

    shut = a["potential"] - a["produced"] - a["shut_in"]
    nodes.append(("shut_in", np.cumsum(shut), np.cumsum(a["potential"])))

    return worst_imbalance(nodes, result.dates)
