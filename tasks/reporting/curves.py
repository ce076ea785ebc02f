"""Training curves from a run's long-format history (matplotlib's object API), as PNG bytes.

- ``loss_curves_png``: the losses per epoch as the notes plot them: for step-based runs with
  many rows, the mean over each of at most ``BINS`` equal intervals of iterations (the
  per-call values of a long run are a noise band); GAN accuracies on a second axis.
- ``d_output_png``: the discriminator's mean output on the real and on the generated batch,
  with the 0.5 line of the equilibrium the notes describe ("D says 0.5: fooled").
"""

from __future__ import annotations

import io

import numpy as np
import pyarrow as pa

BINS = 60
D_OUTPUT = ("d_real_mean", "d_fake_mean")


def _series(history: pa.Table) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    data = history.to_pydict()
    raw: dict[str, tuple[list[int], list[float]]] = {}
    for step, metric, value in zip(data["step"], data["metric"], data["value"], strict=True):
        xs, ys = raw.setdefault(metric, ([], []))
        xs.append(step)
        ys.append(value)
    return {k: (np.asarray(x, float), np.asarray(y, float)) for k, (x, y) in raw.items()}


def interval_means(xs: np.ndarray, ys: np.ndarray, bins: int = BINS
                   ) -> tuple[np.ndarray, np.ndarray, int]:
    """(interval centres, interval means, iterations per interval); unchanged when there are at
    most ``bins`` points. Each history row is already the mean of the iterations since the
    previous row (one compiled call), so an interval spans rows x their step gap."""
    gap = int(round(float(np.median(np.diff(xs))))) if len(xs) > 1 else 1
    if len(xs) <= bins:
        return xs, ys, max(gap, 1)
    edges = np.linspace(xs.min(), xs.max() + 1, bins + 1)
    which = np.clip(np.digitize(xs, edges) - 1, 0, bins - 1)
    counts = np.bincount(which, minlength=bins)
    keep = counts > 0
    means = np.bincount(which, weights=ys, minlength=bins)[keep] / counts[keep]
    centres = np.bincount(which, weights=xs, minlength=bins)[keep] / counts[keep]
    return centres, means, int(round(len(xs) * max(gap, 1) / bins))


def _png(fig: object) -> bytes:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")  # type: ignore[attr-defined]
    return buf.getvalue()


def loss_curves_png(history: pa.Table, title: str) -> bytes:
    """One line per loss metric (all but accuracies and D's outputs) against the iteration,
    as interval means for long runs; GAN accuracies on a second axis."""
    # matplotlib's object API: no pyplot global state, so figures are safe in threads.
    from matplotlib.figure import Figure

    fig = Figure(figsize=(6, 3.2), dpi=100)
    ax = fig.add_subplot()
    acc_ax = None
    width = 1
    for metric, (xs, ys) in sorted(_series(history).items()):
        if metric in D_OUTPUT:
            continue
        xs, ys, width = interval_means(xs, ys)
        if metric.startswith("d_acc"):
            acc_ax = acc_ax or ax.twinx()
            acc_ax.plot(xs, ys, lw=0.8, ls="--", label=metric)
            acc_ax.set_ylim(0, 1)
        else:
            ax.plot(xs, ys, lw=0.9, marker="o" if len(xs) < 20 else None, ms=3, label=metric)
    ax.set_xlabel("iteration")
    suffix = f" (means over {width} iterations)" if width > 1 else ""
    ax.set_title(title + suffix, fontsize=9)
    handles = ax.get_legend_handles_labels()
    if acc_ax is not None:
        extra = acc_ax.get_legend_handles_labels()
        handles = (handles[0] + extra[0], handles[1] + extra[1])
    if handles[0]:
        ax.legend(*handles, fontsize=7, loc="upper right")
    return _png(fig)


def d_output_png(history: pa.Table, title: str) -> bytes | None:
    """D's mean output on real and generated batches per logged iteration, with the 0.5 line;
    None for models that have no discriminator."""
    from matplotlib.figure import Figure

    series = _series(history)
    if not all(k in series for k in D_OUTPUT):
        return None
    fig = Figure(figsize=(6, 2.8), dpi=100)
    ax = fig.add_subplot()
    for metric, label in zip(D_OUTPUT, ("on real images", "on generated images"), strict=True):
        xs, ys = series[metric]
        ax.plot(xs, ys, lw=0.8, label=f"D {label}")
    ax.axhline(0.5, color="k", lw=0.8, ls=":", label="0.5: D is fooled")
    ax.set_ylim(0, 1)
    ax.set_xlabel("iteration")
    ax.set_ylabel("mean D(x)")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, loc="best")
    return _png(fig)
