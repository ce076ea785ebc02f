"""Loss curves from a run's long-format history (matplotlib, Agg backend), as PNG bytes."""

from __future__ import annotations

import io

import pyarrow as pa


def loss_curves_png(history: pa.Table, title: str) -> bytes:
    """One line per loss metric (names containing "loss", "kl" or "reconstruction") against
    the iteration; accuracies on a second axis for GANs."""
    # matplotlib's object API: no pyplot global state, so figures are safe in threads.
    from matplotlib.figure import Figure

    data = history.to_pydict()
    series: dict[str, tuple[list[int], list[float]]] = {}
    for step, metric, value in zip(data["step"], data["metric"], data["value"], strict=True):
        xs, ys = series.setdefault(metric, ([], []))
        xs.append(step)
        ys.append(value)
    fig = Figure(figsize=(6, 3.2), dpi=100)
    ax = fig.add_subplot()
    acc_ax = None
    for metric, (xs, ys) in sorted(series.items()):
        if metric.startswith("d_acc"):
            acc_ax = acc_ax or ax.twinx()
            acc_ax.plot(xs, ys, lw=0.8, ls="--", label=metric)
            acc_ax.set_ylim(0, 1)
        else:
            ax.plot(xs, ys, lw=0.9, marker="o" if len(xs) < 20 else None, ms=3, label=metric)
    ax.set_xlabel("iteration")
    ax.set_title(title, fontsize=9)
    handles = ax.get_legend_handles_labels()
    if acc_ax is not None:
        extra = acc_ax.get_legend_handles_labels()
        handles = (handles[0] + extra[0], handles[1] + extra[1])
    if handles[0]:
        ax.legend(*handles, fontsize=7, loc="upper right")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight")
    return buf.getvalue()
