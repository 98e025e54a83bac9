"""Statistics shared by every summary: the 95% Wilson interval and the small-sample rule.

metrics.md: a retention rate is shown with its n and a 95% Wilson interval; below n = 10 it is
"amostra pequena" and never ranked. This is the only place that computes the interval.
It must not query the database or format anything for display.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

Z95 = 1.959963984540054
SMALL_SAMPLE = 10  # below this many attempts a rate is shown greyed and never ranked


def wilson(successes: float, n: float, z: float = Z95) -> tuple[float, float]:
    """95% Wilson score interval (low, high) of successes/n; (nan, nan) when n is 0 or missing."""
    if n is None or successes is None or pd.isna(n) or pd.isna(successes) or n <= 0:
        return (math.nan, math.nan)
    p = successes / n
    z2 = z * z
    denominator = 1 + z2 / n
    center = (p + z2 / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denominator
    return (max(0.0, center - half), min(1.0, center + half))


def add_rate(df: pd.DataFrame, successes: str = "retained", n: str = "attempts", rate: str = "retention_rate",
             low: str = "ci_low", high: str = "ci_high", small: str | None = "small_sample") -> pd.DataFrame:
    """`df` with the rate successes/n, its Wilson interval and (optionally) the small-sample flag."""
    out = df.copy()
    k = pd.to_numeric(out[successes], errors="coerce").astype("float64")
    total = pd.to_numeric(out[n], errors="coerce").astype("float64")
    out[rate] = np.where(total > 0, k / total.where(total > 0, 1.0), np.nan)
    bounds = [wilson(a, b) for a, b in zip(k, total)]
    out[low] = [b[0] for b in bounds]
    out[high] = [b[1] for b in bounds]
    if small:
        out[small] = (total.fillna(0) < SMALL_SAMPLE).astype(bool)
    return out


def rank_rates(df: pd.DataFrame, rate: str = "retention_rate", small: str = "small_sample",
               column: str = "rank") -> pd.DataFrame:
    """`df` with `rank` (1 = highest rate, ties share a rank) for rows that are not small samples."""
    out = df.copy()
    eligible = ~out[small].astype(bool) & out[rate].notna()
    ranks = out.loc[eligible, rate].rank(method="min", ascending=False)
    out[column] = pd.array([pd.NA] * len(out), dtype="Int64")
    out.loc[eligible, column] = ranks.astype("int64").to_numpy()
    return out
