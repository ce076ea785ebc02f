"""``reports/index.html``: every run at a glance, from the ``runs`` and ``metrics`` tables only.

- Trends: per model and dataset, one small chart per headline metric over its runs in time
  order: the value with its 95 % interval as a band, the real-data floor dashed with its band.
- Runs, newest first, each linking its HTML report when it has one (pipeline runs).

Rewritten at the end of every run (``record_run``), atomically; a reader sees the old page or
the new one.
"""

from __future__ import annotations

import base64
import html
import io
import json
import math

from genflow.storage.atomic import write_bytes
from genflow.storage.parquet import read_table
from genflow.storage.root import REPORTS, ArtifactRoot
from genflow.storage.schemas import METRICS_TABLE, RUNS_TABLE
from genflow.tasks.evaluation import metrics as registry
from genflow.tasks.evaluation.config import FID

INDEX = "index.html"


def _nan(v: float | None) -> float:
    return math.nan if v is None else float(v)


def trend_png(model: str, dataset: str, points: dict[str, list[dict]]) -> bytes:
    """One row of charts (one per metric) of ``points[metric]``: rows in time order."""
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    metrics = [m for m in registry.trends() if points.get(m)]
    fig = Figure(figsize=(2.6 * max(len(metrics), 1), 2.4), dpi=90)
    for i, metric in enumerate(metrics, 1):
        ax = fig.add_subplot(1, len(metrics), i)
        rows = points[metric]
        xs = list(range(1, len(rows) + 1))
        value = [r["value"] for r in rows]
        ax.fill_between(xs, [_nan(r.get("low")) for r in rows], [_nan(r.get("high")) for r in rows],
                        alpha=0.25, color="C0", lw=0)
        ax.plot(xs, value, marker="o", ms=3, lw=1.2, color="C0", label="value")
        if any(r.get("floor") is not None for r in rows):
            ax.fill_between(xs, [_nan(r.get("floor_low")) for r in rows],
                            [_nan(r.get("floor_high")) for r in rows], alpha=0.15, color="C2",
                            lw=0)
            ax.plot(xs, [_nan(r.get("floor")) for r in rows], ls="--", lw=1, color="C2",
                    label="floor")
        if metric == FID and min(value) > 0 and max(value) / max(min(value), 1e-9) > 20:
            ax.set_yscale("log")
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.set_title(metric, fontsize=8)
        ax.set_xlabel("run (oldest → newest)", fontsize=7)
        ax.tick_params(labelsize=6)
        if i == 1:
            ax.legend(fontsize=6, loc="best")
    fig.suptitle(f"{model} on {dataset}", fontsize=9)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def _models(config_json: str) -> str:
    config = json.loads(config_json)
    for key, field in (("train", "model"), ("evaluate_images", "name"), ("calibrate", "dataset")):
        if key in config:
            return f"{key}: {config[key].get(field, '')}"
    return " ".join(config.get("models") or [])


def render_index(runs: list[dict], metrics: list[dict], reports: set[str]) -> str:
    """The page: ``reports`` holds the run ids that have an HTML report."""
    started = {r["run_id"]: r["started_at"] for r in runs}
    series: dict[tuple[str, str, str, str], dict[str, list[dict]]] = {}
    for m in sorted(metrics, key=lambda m: (started.get(m["run_id"]) is None,
                                            started.get(m["run_id"]), m["run_id"])):
        if m["metric"] in registry.trends() and m["profile"] not in ("calibrate",):
            key = (m["model"], m["dataset"], m["profile"], m["extractor"])  # like with like
            series.setdefault(key, {}).setdefault(m["metric"], []).append(m)
    parts = ["<h1>genflow runs</h1>",
             "<p>Trends: each chart is one model's metric over its runs, oldest to newest; the "
             "band is the 95 % interval, dashed the real-data floor with its band. "
             "docs/evaluation.md says what each metric means.</p>", "<h2>Trends</h2>"]
    if not series:
        parts.append("<p>No evaluated runs yet.</p>")
    for (model, dataset, profile, extractor), points in sorted(series.items()):
        png = base64.b64encode(trend_png(f"{model} ({profile}, {extractor})", dataset,
                                         points)).decode("ascii")
        parts.append(f'<figure><img alt="trends {html.escape(model)} {html.escape(dataset)}" '
                     f'src="data:image/png;base64,{png}"></figure>')
    rows = []
    for r in sorted(runs, key=lambda r: r["started_at"], reverse=True):
        rid = html.escape(r["run_id"])
        link = f'<a href="html/{rid}.html">{rid}</a>' if r["run_id"] in reports else rid
        wall = (r["finished_at"] - r["started_at"]).total_seconds()
        rows.append(f"<tr><td>{link}</td><td>{r['started_at']:%Y-%m-%d %H:%M}</td>"
                    f"<td>{html.escape(r['profile'])}</td><td>{html.escape(r['status'])}</td>"
                    f"<td>{wall:.0f} s</td><td>{html.escape(_models(r['config_json']))}</td></tr>")
    parts.append("<h2>Runs, newest first</h2><table><thead><tr><th>run</th><th>started (UTC)"
                 "</th><th>profile</th><th>status</th><th>wall</th><th>models</th></tr></thead>"
                 "<tbody>" + "".join(rows) + "</tbody></table>")
    css = ("body{font-family:sans-serif;margin:2em;max-width:1400px}table{border-collapse:"
           "collapse}td,th{border:1px solid #ccc;padding:2px 8px}img{max-width:100%}"
           "figure{margin:.5em 0}")
    script = ("<script>window.addEventListener('load',function(){var i=[].slice.call("
              "document.images);var ok=i.filter(function(x){return x.complete&&x.naturalWidth>0;"
              "});document.body.setAttribute('data-images-ok',ok.length+'/'+i.length);});"
              "</script>")
    return ("<!doctype html><html><head><meta charset=utf-8><title>genflow runs</title>"
            f"<style>{css}</style></head><body data-images-ok=\"pending\">" + "\n".join(parts)
            + script + "</body></html>")


def write_index(root: ArtifactRoot) -> str:
    """Render ``reports/index.html`` from the tables; returns its path under the root."""
    runs = read_table(root, RUNS_TABLE).to_pylist()
    metrics = read_table(root, METRICS_TABLE).to_pylist()
    folder = root.path(REPORTS, "html")
    reports = ({p.rsplit("/", 1)[-1].removesuffix(".html") for p in root.fs.ls(folder, detail=False)}
               if root.fs.exists(folder) else set())
    write_bytes(root, render_index(runs, metrics, reports).encode("utf-8"), REPORTS, INDEX)
    return f"{REPORTS}/{INDEX}"
