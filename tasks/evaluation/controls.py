"""Known cases for ``genflow calibrate``: image sets whose right answer is known, built from
real data, and the checks each must pass. An evaluation that cannot tell them apart is wrong,
however exact its formulas.

- ``held_out``: fresh real test images (the *probe*, a seeded third of the test split that the
  evaluation's floor and baseline never use): no metric significantly away from the floor
  (two-sided z-tests of the difference, Holm family-wise 5 %; the per-class shares are judged
  by ``missing_classes`` instead), no flag.
- ``train_noisy``: training images + Gaussian noise (sd 0.02): flagged ``copies``. (Its
  memorisation gap is above 0 at N = 1,000 but not at N = 300: the gap sees copies in
  proportion to N over the training set's size, so it is not a pass condition.)
- ``dropped_classes``: probe images without three seeded classes: flagged
  ``missing_classes`` naming exactly those three; recall and coverage significantly below
  the floor (one-sided z-tests of the difference at ``DROP_ALPHA`` each; both must hold),
  precision's interval not below the floor's.
- ``one_repeated``: one training image + noise (sd 0.05), repeated: flagged ``collapsed``.
- ``noise-1..4`` (sd 0.05, 0.1, 0.2, 0.4) and ``blur-1..4`` (Gaussian, sd 0.5, 1, 1.5, 2 px)
  of the probe images: FID and KID rise with every level (level 0 is ``held_out``); levels
  ``UNREALISTIC_FROM`` and up are flagged ``unrealistic`` and not ``collapsed``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import scipy.stats

from genflow.tasks.evaluation import config as names
from genflow.tasks.evaluation.entries import Metric
from genflow.tasks.evaluation.intervals import Z95
from genflow.tasks.evaluation.verdict import missing_classes, verdict_text

NOISE_LEVELS = (0.05, 0.1, 0.2, 0.4)
BLUR_LEVELS = (0.5, 1.0, 1.5, 2.0)
LADDERS = {"noise": NOISE_LEVELS, "blur": BLUR_LEVELS}
DROPPED = 3
UNREALISTIC_FROM = 3  # the upper ladder levels
# One row per control: 1.0 passed, 0.0 failed (flows/audit.py).
METRICS = (
    Metric(names.CONTROL_PASSED, "none", "none", "1", size="fixed"),
    Metric(names.FALSE_ALARM_PREFIX, "lower", "Wilson score interval over the K draws",
           "≤ 0.05 each (the flags' stated rates)", size="fixed", family=True),
    Metric(names.PASS_RATE_PREFIX, "higher", "Wilson score interval over the K draws", "1",
           size="fixed", family=True),
)


@dataclass
class ControlSet:
    name: str
    images: np.ndarray       # float32 (n, 28, 28, 1) in [0, 1]
    expectation: str
    dropped: tuple[int, ...] = ()  # dropped_classes: the classes left out


def build_controls(train: np.ndarray, train_labels: np.ndarray, probe: np.ndarray,
                   probe_labels: np.ndarray, n: int, seed: int) -> list[ControlSet]:
    """The control sets (see the module table).

    Args:
        train, probe: float32 (m, 28, 28, 1) in [0, 1]: training images and fresh held-out
            images the evaluation uses for nothing else; with their uint8 labels.
        n: images per control (at most len(probe)).
    """
    import scipy.ndimage

    rng = np.random.default_rng(seed)
    p = probe[:n]
    sets = [ControlSet("held_out", p, "at the floor on every metric, no flag")]
    noisy = train[rng.choice(len(train), n, replace=False)]
    sets.append(ControlSet("train_noisy", _clip(noisy + rng.normal(0, 0.02, noisy.shape)),
                           "flagged copies"))
    classes = np.unique(probe_labels)
    dropped = rng.choice(classes, min(DROPPED, len(classes) - 1), replace=False)
    keep = ~np.isin(probe_labels, dropped)
    gone = tuple(sorted(int(c) for c in dropped))
    sets.append(ControlSet("dropped_classes", probe[keep][:n],
                           f"without classes {list(gone)}: flagged missing_classes naming them; "
                           "recall and coverage below the floor, precision not", gone))
    one = train[rng.integers(len(train))]
    sets.append(ControlSet("one_repeated",
                           _clip(one[None] + rng.normal(0, 0.05, (n, *one.shape))),
                           "flagged collapsed"))
    for level, sd in enumerate(NOISE_LEVELS, 1):
        sets.append(ControlSet(f"noise-{level}", _clip(p + rng.normal(0, sd, p.shape)),
                               f"Gaussian noise sd {sd}: FID and KID above level {level - 1}"))
    for level, sd in enumerate(BLUR_LEVELS, 1):
        blurred = scipy.ndimage.gaussian_filter(p, sigma=(0, sd, sd, 0))
        sets.append(ControlSet(f"blur-{level}", _clip(blurred),
                               f"Gaussian blur sd {sd} px: FID and KID above level {level - 1}"))
    return sets


def _clip(x: np.ndarray) -> np.ndarray:
    return np.clip(x, 0.0, 1.0).astype(np.float32)


HELD_OUT_ALPHA = 0.05  # family-wise, over the held-out control's metrics (Holm)
DROP_ALPHA = 0.05  # one-sided, each of recall and coverage of dropped_classes


def _z(row: dict) -> float | None:
    """(value - floor) over the standard error of the difference, each side's standard error
    read off its 95 % interval; None without both intervals."""
    bounds = (row.get("low"), row.get("high"), row.get("floor_low"), row.get("floor_high"),
              row.get("floor"))
    if any(b is None for b in bounds):
        return None
    low, high, floor_low, floor_high, floor = bounds
    se = math.hypot((high - low) / (2 * Z95), (floor_high - floor_low) / (2 * Z95))
    if se == 0:
        return 0.0 if row["value"] == floor else math.copysign(math.inf, row["value"] - floor)
    return (row["value"] - floor) / se


def not_dropped(row: dict, alpha: float = DROP_ALPHA) -> str | None:
    """None when a metric row's value is significantly below its floor (one-sided z-test of
    the difference at ``alpha``), else why not."""
    z = _z(row)
    if z is None:
        return "has no interval (bootstrap off?)"
    if scipy.stats.norm.cdf(z) < alpha:
        return None
    return f"did not drop significantly ({row['value']:.3f} vs floor {row['floor']:.3f}, z = {z:.2f})"


def departures(rows: list[dict], alpha: float = HELD_OUT_ALPHA) -> list[str]:
    """Metrics of a fresh real set significantly away from the floor, family-wise ``alpha``
    over every metric with both intervals (Holm's step-down on two-sided z-tests of the
    difference). The per-class shares are left to ``missing_classes``, which has its own
    multiple-comparison control. Replaces "every interval overlaps the floor's": 18 such
    tests at ~0.6 % each made ~9 % false failures."""
    tests = []
    for r in rows:
        if r["metric"].startswith(names.CLASS_SHARE_PREFIX):
            continue
        z = _z(r)
        if z is not None and math.isfinite(r["value"]):
            tests.append((float(2 * scipy.stats.norm.sf(abs(z))), r["metric"]))
    tests.sort()
    out = []
    for i, (p, metric) in enumerate(tests):
        if p > alpha / (len(tests) - i):
            break
        out.append(metric)
    return out


def check_controls(results: dict[str, tuple[list[dict], list[str]]],
                   sets: list[ControlSet]) -> dict[str, str | None]:
    """{control: None if it passed, else why not} from {control: (metric rows, flags)}."""
    out: dict[str, str | None] = {}

    def m(control: str, metric: str) -> dict:
        return {r["metric"]: r for r in results[control][0]}[metric]

    rows, flags = results["held_out"]
    off = departures(rows)
    out["held_out"] = (None if not off and not flags else
                       f"away from the floor on {', '.join(off) or '-'} (Holm, family-wise "
                       f"{HELD_OUT_ALPHA:.0%}); flags {flags or '-'}")
    out["train_noisy"] = None if "copies" in results["train_noisy"][1] else (
        f"not flagged copies (copy_rate {m('train_noisy', names.COPY_RATE)['value']:.3f})")
    out["one_repeated"] = None if "collapsed" in results["one_repeated"][1] else (
        "not flagged collapsed (near_duplicate_share "
        f"{m('one_repeated', names.NEAR_DUPLICATE_SHARE)['value']:.3f})")
    failed = []
    dropped = {s.name: s for s in sets}["dropped_classes"].dropped
    named = tuple(c for c, _, _ in missing_classes(results["dropped_classes"][0]))
    if "missing_classes" not in results["dropped_classes"][1] or named != dropped:
        failed.append(f"missing_classes names {list(named)}, not the dropped {list(dropped)}")
    for metric in (names.RECALL, names.COVERAGE):  # "both below": no multiplicity to pay
        why = not_dropped(m("dropped_classes", metric))
        failed += [f"{metric} {why}"] if why else []
    r = m("dropped_classes", names.PRECISION)
    if r.get("high") is not None and r.get("floor_low") is not None and r["high"] < r["floor_low"]:
        failed.append(f"precision dropped ({r['value']:.3f} vs floor {r['floor']:.3f})")
    out["dropped_classes"] = "; ".join(failed) or None
    for kind, levels in LADDERS.items():
        for level in range(1, len(levels) + 1):
            prev = "held_out" if level == 1 else f"{kind}-{level - 1}"
            name = f"{kind}-{level}"
            why = [f"{metric} {m(name, metric)['value']:.4g} not above {prev}'s "
                   f"{m(prev, metric)['value']:.4g}" for metric in (names.FID, names.KID)
                   if not m(name, metric)["value"] > m(prev, metric)["value"]]
            got = results[name][1]
            if level >= UNREALISTIC_FROM and ("unrealistic" not in got or "collapsed" in got):
                why.append(f"flags {verdict_text(got)}, not unrealistic without collapsed")
            out[name] = "; ".join(why) or None
    return out
