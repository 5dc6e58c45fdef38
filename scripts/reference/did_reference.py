#!/usr/bin/env python3
"""Reference numbers for crates/core/src/did.rs (difference-in-differences), computed independently.

Builds three small deterministic panels, writes them as CSV into crates/core/tests/data/did/, fits the
FULL dummy regression  y ~ 1 + C(unit) + C(week) + regressors  with statsmodels OLS and rep-clustered
(CR1) covariance, and writes the expected numbers to crates/core/tests/data/did/expected.txt as
`key<TAB>value` lines, read by crates/core/tests/did.rs.

statsmodels' clustered fit reports normal-based intervals; the Rust code follows Stata's convention
(t distribution with G − 1 degrees of freedom, G = clusters), so p-values and intervals here are
computed with scipy.stats.t from statsmodels' coefficients and standard errors.

    pip install numpy pandas scipy statsmodels
    python3 scripts/reference/did_reference.py
"""

import pathlib

import numpy as np
import pandas as pd
import scipy
import statsmodels
import statsmodels.api as sm
from scipy import stats

ROOT = pathlib.Path(__file__).resolve().parents[2]
OUT = ROOT / "crates" / "core" / "tests" / "data" / "did"


def make_panel(seed, units, weeks, training, effect, missing=0.0, pre_trend=0.0, ar=0.0):
    """training: {unit: training week}. effect(rel_week) -> effect at relative week rel_week >= 0."""
    rng = np.random.default_rng(seed)
    rep = rng.normal(0.0, 2.0, units + 1)
    week_effect = {w: 0.8 * np.sin(w / 2.0) + (2.5 if w >= 6 else 0.0) for w in weeks}
    rows = []
    for u in range(1, units + 1):
        noise = 0.0
        for w in weeks:
            noise = ar * noise + rng.normal(0.0, 1.0)
            tw = training.get(u)
            value = 40.0 + rep[u] + week_effect[w] + noise
            if tw is not None:
                value += pre_trend * (w - tw)
                if w >= tw:
                    value += effect(w - tw)
            if missing > 0 and rng.random() < missing:
                continue
            rows.append((u, w, round(value, 4), "" if tw is None else tw))
    return pd.DataFrame(rows, columns=["unit", "week", "value", "training_week"])


def panels():
    balanced = make_panel(
        seed=11, units=12, weeks=range(1, 11), training={u: 6 for u in range(1, 7)}, effect=lambda k: 2.0
    )
    unbalanced = make_panel(
        seed=23,
        units=16,
        weeks=range(0, 12),
        training={u: 7 for u in range(1, 9)},
        effect=lambda k: 1.0 + 0.2 * k,
        missing=0.12,
        pre_trend=0.3,
        ar=0.5,
    )
    staggered_training = {u: (5, 9, 12)[(u - 1) % 3] for u in range(1, 16)}
    staggered = make_panel(
        seed=37,
        units=24,
        weeks=range(1, 17),
        training=staggered_training,
        effect=lambda k: 0.5 + 0.25 * min(k, 4),
        missing=0.05,
    )
    return {"balanced": balanced, "unbalanced": unbalanced, "staggered": staggered}


def fit_clustered(df, regressors):
    """statsmodels OLS on intercept + unit dummies + week dummies + regressors, CR1 clustered by unit."""
    dummies = pd.concat(
        [
            pd.get_dummies(df["unit"], prefix="unit", drop_first=True, dtype=float),
            pd.get_dummies(df["week"], prefix="week", drop_first=True, dtype=float),
        ],
        axis=1,
    )
    x = pd.concat([dummies, regressors], axis=1)
    x = sm.add_constant(x, has_constant="add")
    # The Rust code takes the design's rank to be regressors + units + weeks − 1; statsmodels'
    # small-sample correction uses the column count, so they agree only at full rank. Check it.
    assert np.linalg.matrix_rank(x.to_numpy()) == x.shape[1], "design not full rank"
    expected_columns = regressors.shape[1] + df["unit"].nunique() + df["week"].nunique() - 1
    assert x.shape[1] == expected_columns
    fit = sm.OLS(df["value"].to_numpy(), x).fit(cov_type="cluster", cov_kwds={"groups": df["unit"].to_numpy()})
    clusters = df["unit"].nunique()
    df_t = clusters - 1
    q = stats.t.ppf(0.975, df_t)
    out = {}
    for name in regressors.columns:
        b, se = fit.params[name], fit.bse[name]
        out[name] = {
            "effect": b,
            "std_error": se,
            "ci_low": b - q * se,
            "ci_high": b + q * se,
            "p_value": 2.0 * stats.t.sf(abs(b / se), df_t),
        }
    return out, df_t


def relative(df):
    return df["week"] - pd.to_numeric(df["training_week"])  # NaN for controls


def treated_mask(df):
    return df["training_week"] != ""


def reference(name, df, lines):
    treated = treated_mask(df)
    rel = relative(df)
    post = treated & (rel >= 0)

    # Difference-in-differences.
    res, df_t = fit_clustered(df, pd.DataFrame({"D": post.astype(float)}))
    for k, v in res["D"].items():
        lines.append((f"{name}.did.{k}", v))
    lines.append((f"{name}.did.degrees_of_freedom", df_t))
    lines.append((f"{name}.did.observations", len(df)))
    lines.append((f"{name}.did.treated_units", df.loc[treated, "unit"].nunique()))
    lines.append((f"{name}.did.control_units", df.loc[~treated, "unit"].nunique()))

    # Event study: a dummy per relative week observed among treated units, except −1.
    ks = sorted(int(k) for k in rel[treated].unique() if k != -1)
    event = pd.DataFrame({f"k{k}": (treated & (rel == k)).astype(float) for k in ks})
    res, _ = fit_clustered(df, event)
    lines.append((f"{name}.event.count", len(ks) + 1))
    for k in ks:
        for field in ("effect", "ci_low", "ci_high"):
            lines.append((f"{name}.event.{k}.{field}", res[f"k{k}"][field]))

    # Pre-trend: treated pre-period weeks, controls before the last training week.
    last = pd.to_numeric(df.loc[treated, "training_week"]).max()
    pre = df[(treated & (rel < 0)) | (~treated & (df["week"] < last))].reset_index(drop=True)
    pre_rel = relative(pre).fillna(0.0)
    res, _ = fit_clustered(pre, pd.DataFrame({"trend": pre_rel.astype(float)}))
    lines.append((f"{name}.pretrend.slope_difference", res["trend"]["effect"]))
    lines.append((f"{name}.pretrend.std_error", res["trend"]["std_error"]))
    lines.append((f"{name}.pretrend.p_value", res["trend"]["p_value"]))

    # Naive before/after over the treated units' pooled observations.
    before = df.loc[treated & (rel < 0), "value"].mean()
    after = df.loc[post, "value"].mean()
    lines.append((f"{name}.naive.before", before))
    lines.append((f"{name}.naive.after", after))
    lines.append((f"{name}.naive.difference", after - before))
    lines.append((f"{name}.naive.units", df.loc[treated, "unit"].nunique()))

    # Pre-period profile (mean, least-squares slope) of the first treated and first control unit.
    first_training = int(pd.to_numeric(df.loc[treated, "training_week"]).min())
    for unit in (int(df.loc[treated, "unit"].min()), int(df.loc[~treated, "unit"].min())):
        rows = df[(df["unit"] == unit) & (df["week"] < first_training)]
        slope = np.polyfit(rows["week"].to_numpy(float), rows["value"].to_numpy(float), 1)[0]
        lines.append((f"{name}.profile.{unit}.before_week", first_training))
        lines.append((f"{name}.profile.{unit}.level", rows["value"].mean()))
        lines.append((f"{name}.profile.{unit}.trend", slope))


def paired(lines):
    rng = np.random.default_rng(5)
    before = np.round(rng.normal(20.0, 3.0, 14), 3)
    after = np.round(before + rng.normal(0.8, 1.5, 14), 3)
    pd.DataFrame({"before": before, "after": after}).to_csv(OUT / "paired.csv", index=False)
    result = stats.ttest_rel(after, before)
    ci = result.confidence_interval(0.95)
    lines.append(("paired.mean_before", before.mean()))
    lines.append(("paired.mean_after", after.mean()))
    lines.append(("paired.mean_gain", (after - before).mean()))
    lines.append(("paired.ci_low", ci.low))
    lines.append(("paired.ci_high", ci.high))
    lines.append(("paired.p_value", result.pvalue))
    lines.append(("paired.pairs", len(before)))


def main():
    OUT.mkdir(parents=True, exist_ok=True)
    lines = []
    for name, df in panels().items():
        df.to_csv(OUT / f"{name}.csv", index=False)
        # Read back so the fit sees exactly the decimal values the Rust test parses.
        df = pd.read_csv(OUT / f"{name}.csv", dtype={"training_week": str}, keep_default_na=False)
        reference(name, df, lines)
    paired(lines)
    with open(OUT / "expected.txt", "w") as f:
        f.write(
            "# Produced by scripts/reference/did_reference.py with "
            f"statsmodels {statsmodels.__version__}, scipy {scipy.__version__}, "
            f"pandas {pd.__version__}, numpy {np.__version__}. Do not edit by hand.\n"
        )
        for key, value in lines:
            f.write(f"{key}\t{float(value)!r}\n")


if __name__ == "__main__":
    main()
