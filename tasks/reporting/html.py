"""A self-contained HTML report of one pipeline run (images inlined as base64 PNG).

On load, an inline script counts the images that decoded and writes "loaded/total" to the body's
``data-images-ok`` attribute, which the headless-browser test reads.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field

from genflow.tasks.evaluation.verdict import power_statement
from genflow.tasks.reporting.pictures import Sheet

PICTURE_TITLES = {
    "grid": "Samples",
    "side_by_side": "Samples above their nearest training images (mean absolute difference)",
    "loss_curves": "Training curves",
    "d_output": "The discriminator's mean output on real and generated batches (0.5: fooled)",
    "reconstructions": "P2: 10 test images above their reconstructions",
    "noise_sweep": "P3: decoding z + (i - 10) / 10 around one test image",
    "interpolation": "P3: interpolation between two test images of one class",
    "latent_map": "P4: latent codes of 1,000 test images",
    "manifold": "P5: decoded grid of 2-D latent values",
}


@dataclass
class ModelSection:
    """What the report shows for one model."""

    model: str
    dataset: str
    summary: str
    metrics: list[dict]
    verdict: str = "ok"
    progress_gif: bytes | None = None
    final_grid: tuple[int, bytes] | None = None
    sheet: Sheet | None = None
    sheet_note: str = ""
    pictures: dict[str, bytes] = field(default_factory=dict)
    frames: list[tuple[int, bytes]] = field(default_factory=list)


def _img(png: bytes, alt: str, kind: str = "png") -> str:
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/{kind};base64,{data}">'


def _sheet(model: str, sheet: Sheet, note: str) -> str:
    """E2 as a page people can take: numbered tiles, the key behind a <details> (no script)."""
    tiles = "".join(f"<figure>{_img(png, f'{model} E2 picture {i}')}<figcaption>{i}"
                    f"</figcaption></figure>" for i, png in enumerate(sheet.tiles, 1))
    key = " ".join(f"{i}:&nbsp;{'real' if real else 'generated'}"
                   for i, real in enumerate(sheet.is_real, 1))
    return (f"<h3>E2: real or generated? Half of these {len(sheet.tiles)} are real held-out "
            f"images</h3><div class=frames>{tiles}</div>"
            f"<details><summary>Answer key</summary><p class=key>{key}</p></details>"
            f"<p>{html.escape(note)}</p>")


def _fmt(value: float | None) -> str:
    return "" if value is None else f"{value:.4f}"


def _interval(low: float | None, high: float | None) -> str:
    return "" if low is None or high is None else f"[{low:.4f}, {high:.4f}]"


def _metrics_table(rows: list[dict]) -> str:
    body = "".join(
        f"<tr><td>{html.escape(r['metric'])}</td><td>{r['value']:.4f}</td>"
        f"<td>{_interval(r.get('low'), r.get('high'))}</td>"
        f"<td>{_fmt(r['floor'])}</td><td>{_interval(r.get('floor_low'), r.get('floor_high'))}"
        f"</td><td>{r['n']}</td>"
        f"<td>{html.escape(str(r['extractor']))}</td></tr>" for r in rows)
    return ("<table><thead><tr><th>metric</th><th>value</th><th>95 % interval</th>"
            "<th>real-data floor</th><th>floor 95 % interval</th><th>n</th>"
            f"<th>extractor</th></tr></thead><tbody>{body}</tbody></table>")


def render_report(run_id: str, profile: str, started: str, finished: str,
                  sections: list[ModelSection], tables: dict[str, str],
                  failures: list[tuple[str, str]] | None = None) -> str:
    """The report as one HTML string; ``failures`` lists (branch, error) of failed branches."""
    parts = [f"<h1>genflow run {html.escape(run_id)}</h1>",
             f"<p>profile <b>{html.escape(profile)}</b>, {html.escape(started)} → "
             f"{html.escape(finished)}</p>",
             "<h2>Summary</h2>", _summary(sections)]
    if failures:
        parts.append('<h2 id="failed">Failed branches</h2><ul class=failed>' + "".join(
            f"<li><b>{html.escape(label)}</b>: <code>{html.escape(error)}</code></li>"
            for label, error in failures) + "</ul>")
    for s in sections:
        parts.append(f'<h2 id="{html.escape(s.model)}">{html.escape(s.model)} on '
                     f"{html.escape(s.dataset)}</h2><p>{html.escape(s.summary)}</p>")
        parts.append(f"<p class=verdict>verdict: <b>{html.escape(s.verdict)}</b>"
                     + (f"; {html.escape(power)}" if (power := power_statement(s.metrics)) else "")
                     + "</p>")
        parts.append(_metrics_table(s.metrics))
        for name in PICTURE_TITLES:
            if name in s.pictures:
                parts.append(f"<h3>{html.escape(PICTURE_TITLES[name])}</h3>"
                             + _img(s.pictures[name], f"{s.model} {name}"))
        if s.progress_gif:
            parts.append("<h3>Training progress (fixed noise), every saved grid</h3>"
                         + _img(s.progress_gif, f"{s.model} progress animation", "gif"))
        if s.final_grid:
            parts.append(f"<h3>Final progress grid (iteration {s.final_grid[0]})</h3>"
                         + _img(s.final_grid[1], f"{s.model} final progress grid"))
        if s.sheet:
            parts.append(_sheet(s.model, s.sheet, s.sheet_note))
        if s.frames:
            parts.append("<h3>Progress frames (fixed noise)</h3><div class=frames>"
                         + "".join(f"<figure>{_img(png, f'{s.model} step {step}')}"
                                   f"<figcaption>iteration {step}</figcaption></figure>"
                                   for step, png in s.frames) + "</div>")
    links = "".join(f"<li>{html.escape(name)}: <code>{html.escape(path)}</code></li>"
                    for name, path in sorted(tables.items()))
    parts.append(f"<h2>Parquet tables</h2><ul>{links}</ul>")
    return ("<!doctype html><html><head><meta charset=utf-8>"
            f"<title>genflow {html.escape(run_id)}</title><style>{_CSS}</style></head>"
            '<body data-images-ok="pending">' + "\n".join(parts) + _SCRIPT + "</body></html>")


def _summary(sections: list[ModelSection]) -> str:
    """Every headline metric of each model (metrics.py), the floor below in grey, and the
    verdict."""
    from genflow.tasks.evaluation import metrics as registry

    keys = registry.headline()
    rows = []
    for s in sections:
        m = {r["metric"]: r for r in s.metrics}
        cells = [html.escape(s.model), html.escape(s.dataset)]
        for k in keys:
            r = m.get(k)
            cells.append("" if r is None else f"{r['value']:.4g}" + (
                "" if r.get("floor") is None else f"<br><small>{r['floor']:.4g}</small>"))
        cells.append(html.escape(s.verdict.replace(",", ", ")))  # flags wrap in the cell
        rows.append("<tr>" + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    head = "".join(f"<th>{html.escape(k)}</th>" for k in ("model", "dataset", *keys, "verdict"))
    return (f"<table><thead><tr>{head}</tr></thead><tbody>" + "".join(rows) + "</tbody></table>"
            "<p><small>Below each value: the real-data floor (held-out real images, same N). "
            "Which way is better, intervals and every other metric: the Parquet tables and "
            "docs/evaluation.md.</small></p>")


_CSS = ("body{font-family:sans-serif;margin:2em;max-width:1100px}table{border-collapse:collapse;"
        "margin:.5em 0}td,th{border:1px solid #ccc;padding:2px 8px;text-align:right}"
        "td:first-child,th:first-child{text-align:left}img{image-rendering:pixelated;"
        "max-width:100%}.failed{color:#a00}.frames{display:flex;flex-wrap:wrap;gap:8px}figure{margin:0}")
_SCRIPT = ("<script>window.addEventListener('load',function(){var i=[].slice.call("
           "document.images);var ok=i.filter(function(x){return x.complete&&x.naturalWidth>0;});"
           "document.body.setAttribute('data-images-ok',ok.length+'/'+i.length);});</script>")
