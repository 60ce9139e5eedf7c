"""Charts (matplotlib): of a run, of runs compared, of replications, sweeps and
calibrations. This package's own namespace imports nothing heavy: the names of a run's
charts are here so a command can know them without importing matplotlib."""

__all__ = ["CHARTS", "run_chart_names"]

# A run's charts, in the order they are listed and drawn into its folder.
CHARTS = (
    "annual_exports",
    "route_flows",
    "deliveries",
    "production",
    "revenue_arrears",
    "network_map",
    "lpg_chain",  # only for runs with an LPG chain
)


def run_chart_names(has_lpg: bool) -> list[str]:
    """The charts of a run with (or without) an LPG chain."""
    return [n for n in CHARTS if has_lpg or n != "lpg_chain"]
