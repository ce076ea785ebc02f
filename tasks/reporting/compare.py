"""Two runs side by side, from the ``metrics`` table alone: per model, dataset and metric both
values with their 95 % intervals, the difference, and whether it is beyond the intervals (the
two intervals do not overlap)."""

from __future__ import annotations

from dataclasses import dataclass

from genflow.core.errors import InputError
from genflow.tasks.evaluation import metrics as registry


@dataclass
class Change:
    model: str
    dataset: str
    metric: str
    a: dict
    b: dict

    @property
    def difference(self) -> float:
        return self.b["value"] - self.a["value"]

    @property
    def comparable(self) -> str | None:
        """Why the two rows are not like for like (another N, extractor or profile, or a
        retrained extractor), or None."""
        diffs = [f"{k} {self.a.get(k)} vs {self.b.get(k)}" for k in ("n", "extractor", "profile")
                 if self.a.get(k) != self.b.get(k)]
        keys = self.a.get("extractor_key"), self.b.get("extractor_key")
        if None not in keys and keys[0] != keys[1]:
            diffs.append("the extractor was retrained")
        return "; ".join(diffs) or None

    @property
    def beyond(self) -> bool | None:
        """The intervals do not overlap (None: a side has no interval)."""
        bounds = (self.a.get("low"), self.a.get("high"), self.b.get("low"), self.b.get("high"))
        if any(v is None for v in bounds):
            return None
        a_low, a_high, b_low, b_high = bounds
        return b_low > a_high or b_high < a_low

    @property
    def direction(self) -> str:
        """better / worse (beyond the intervals, for metrics with a direction), or same."""
        if not self.beyond:
            return "same" if self.beyond is False else "?"
        up = self.difference > 0
        better = registry.better(self.metric)
        if better == "zero":  # nearer 0 is better, from either side
            return "worse" if abs(self.b["value"]) > abs(self.a["value"]) else "better"
        if better == "lower":
            return "worse" if up else "better"
        if better == "higher":
            return "better" if up else "worse"
        return "changed"


def compare_runs(rows: list[dict], run_a: str, run_b: str,
                 metrics: tuple[str, ...] | None | str = "headline"
                 ) -> tuple[list[Change], dict]:
    """Changes between two runs' metric rows (``metrics``: these names, ``"headline"`` the
    registry's headline metrics, None every metric), and the verdicts {(model, dataset):
    (verdict a, verdict b)}.

    Raises:
        InputError: a run id not found in ``rows``.
    """
    if metrics == "headline":
        metrics = registry.headline()
    by_run: dict[str, dict[tuple[str, str, str], dict]] = {run_a: {}, run_b: {}}
    for r in rows:
        if r["run_id"] in by_run and (metrics is None or r["metric"] in metrics):
            by_run[r["run_id"]][(r["model"], r["dataset"], r["metric"])] = r
    known = {r["run_id"] for r in rows}
    for run in (run_a, run_b):
        if run not in known:
            raise InputError(f"run {run!r} is not in the metrics table")
    shared = sorted(set(by_run[run_a]) & set(by_run[run_b]),
                    key=lambda k: (k[0], k[1], _order(k[2], metrics)))
    if not shared:
        raise InputError(f"runs {run_a} and {run_b} share no (model, dataset, metric)")
    changes = [Change(*key, by_run[run_a][key], by_run[run_b][key]) for key in shared]
    verdicts = {(c.model, c.dataset): (c.a.get("verdict"), c.b.get("verdict")) for c in changes}
    return changes, verdicts


def _order(metric: str, metrics: tuple[str, ...] | None) -> tuple[int, str]:
    return (metrics.index(metric) if metrics and metric in metrics else len(metrics or ()), metric)
