"""How the report pages print a number: counts as counts, seeds as seeds."""

from __future__ import annotations

import pandas as pd

from gasroutes.report.html import table


def test_counts_read_back_as_floats_print_as_counts_and_quantities_keep_decimals() -> None:
    frame = pd.DataFrame({"kpi": ["trains", "bcm", "tiny"], "a": [1573.0, 21.598, 0.0004]})
    html = table(frame, numeric=["a"])
    assert ">1,573<" in html and "1,573.000" not in html
    assert ">21.598<" in html
    assert ">4.00e-04<" in html
