"""Prefect tasks of the reporting stage: analyst tables, the HTML report, the runs row.

Every write is atomic and its part-file name is deterministic per (run, table, model), so a
retry after a transient IO failure rewrites the same files: nothing lost, nothing doubled.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from importlib import metadata

from prefect import task

from genflow.storage import schemas
from genflow.storage.atomic import write_bytes
from genflow.storage.datasets import read_split
from genflow.storage.hashing import code_version
from genflow.storage.parquet import append_rows, read_parquet
from genflow.storage.root import REPORTS, ArtifactRoot, resolve_root
from genflow.storage.runs import HISTORY
from genflow.storage.samples import read_samples
from genflow.tasks.data.normalise import filter_classes
from genflow.tasks.evaluation.config import C2ST, C2ST_P
from genflow.tasks.models import registry
from genflow.tasks.reporting import tables
from genflow.tasks.reporting.curves import d_output_png, loss_curves_png
from genflow.tasks.reporting.html import ModelSection, render_report
from genflow.tasks.reporting.pictures import Sheet, progress_gif, real_or_fake_sheet
from genflow.tasks.reporting.records import BranchFailure, BranchResult, ReportRecord
from genflow.tasks.task_policies import retry_unless_bad_input
from genflow.tasks.training.records import TrainRecord

log = logging.getLogger(__name__)
PIPELINE_CODE_VERSION = code_version(__name__)
PACKAGES = ("genflow", "tensorflow", "keras", "prefect", "numpy", "scipy", "pyarrow", "pandas")


def package_versions() -> str:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return json.dumps(versions, sort_keys=True)


def _bytes(root: ArtifactRoot, rel: str) -> bytes:
    with root.fs.open(root.path(rel), "rb") as f:
        return f.read()


def _section(root: ArtifactRoot, branch: BranchResult) -> ModelSection:
    t, s, e = branch.trained, branch.samples, branch.evaluation
    pictures = {name: _bytes(root, rel) for name, rel in s.pictures.items()}
    pictures.update({name: _bytes(root, rel) for name, rel in e.pictures.items()})
    history = read_parquet(root, t.files["history"], schema=HISTORY)
    if registry.get(t.model).kind != "pixel" and history.num_rows:
        pictures["loss_curves"] = loss_curves_png(history, f"{t.model} on {t.dataset}")
        d_output = d_output_png(history, f"{t.model}: the discriminator's mean output")
        if d_output is not None:
            pictures["d_output"] = d_output
    grids = sorted(set(t.grids), key=_grid_step)
    every = [(_grid_step(g), _bytes(root, g)) for g in grids]
    step = max(1, len(grids) // 6)
    frames = every[::step][:7]
    if every and frames[-1][0] != every[-1][0]:
        frames.append(every[-1])  # the last frame is always shown
    gif = progress_gif(every) if len(every) > 1 else None
    speed = (f"{t.images_per_second:.0f} images/s" if t.resumed_from < t.steps
             else "restored from its final checkpoint")
    summary = f"{t.steps} iterations ({t.profile}), {speed} on {t.devices}; {s.n} samples, seed {s.seed}"
    sheet, note = _e2(root, branch)
    return ModelSection(model=t.model, dataset=t.dataset, summary=summary,
                        metrics=e.metrics, pictures=pictures, frames=frames,
                        verdict=e.verdict, progress_gif=gif,
                        final_grid=every[-1] if every else None, sheet=sheet, sheet_note=note)


def _grid_step(path: str) -> int:
    return int(path.rsplit("step-", 1)[-1].split(".")[0])


def _e2(root: ArtifactRoot, branch: BranchResult) -> tuple[Sheet, str]:
    """E2's sheet (10 held-out real test images of the model's classes, 10 samples) and the
    automated verdict beside it."""
    t, s, e = branch.trained, branch.samples, branch.evaluation
    test, labels = read_split(root, t.data[1].path)
    real, _ = filter_classes(test, labels, s.classes)
    sheet = real_or_fake_sheet(real, read_samples(root, s.path), seed=s.seed)
    by = {m["metric"]: m for m in e.metrics}
    c2st, p = by.get(C2ST), by.get(C2ST_P)
    note = "The automated test: "
    if c2st is None:
        return sheet, note + "not computed."
    note += (f"a 1-nearest-neighbour classifier tells {c2st['n']} samples from real images "
             f"with accuracy {c2st['value']:.3f}")
    if p is not None:
        note += f" (p = {p['value']:.3g})"
    if c2st.get("floor") is not None:
        note += f"; real against real it scores {c2st['floor']:.3f} (0.5 = indistinguishable)."
    return sheet, note


@task(name="write-reports", retries=3, retry_delay_seconds=2,
      retry_condition_fn=retry_unless_bad_input)
def write_reports(run_id: str, run_date: str, profile: str, started: dt.datetime,
                  branches: list[BranchResult], root_url: str,
                  failures: list[BranchFailure] | None = None) -> ReportRecord:
    """Append this run's rows to every table and write its HTML report (failed branches are
    listed in it with their errors)."""
    root = resolve_root(root_url)
    files = []
    for b in branches:
        t, s, e = b.trained, b.samples, b.evaluation
        part = f"{run_id}-{t.model}"
        history = read_parquet(root, t.files["history"], schema=HISTORY)
        files.append(append_rows(root, schemas.HISTORY_TABLE, tables.history_rows(
            run_id, run_date, t.dataset, t.model, t.key, history), part))
        neighbours = read_parquet(root, e.neighbours_path)
        images = read_parquet(root, s.path).column("image").combine_chunks()
        lineage = {"train_key": t.key, "seed": s.seed}  # which model, which draw
        files.append(append_rows(root, schemas.SAMPLES_TABLE, tables.sample_rows(
            run_id, run_date, t.dataset, t.model, images, neighbours, **lineage), part))
        files.append(append_rows(root, schemas.NEIGHBOURS_TABLE, tables.neighbour_rows(
            run_id, run_date, t.dataset, t.model, neighbours, **lineage), part))
        files.append(append_rows(root, schemas.METRICS_TABLE, tables.metric_rows(
            run_id, run_date, t.dataset, t.model, profile, e.metrics, eval_seed=e.eval_seed,
            verdict=e.verdict, **lineage), part))
    table_dirs = {name: root.url_of(REPORTS, name) for name in schemas.SCHEMAS}
    finished = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    page = render_report(run_id, profile, started.strftime("%Y-%m-%d %H:%M:%S UTC"), finished,
                         [_section(root, b) for b in branches], table_dirs,
                         [(f.label, f.error) for f in failures or []])
    write_bytes(root, page.encode("utf-8"), REPORTS, "html", f"{run_id}.html")
    html_rel = f"{REPORTS}/html/{run_id}.html"
    log.info("report for run %s: %s", run_id, root.url_of(html_rel))
    return ReportRecord(run_id=run_id, html=html_rel, files=files,
                        tables={k: f"{REPORTS}/{k}" for k in schemas.SCHEMAS})


@task(name="record-training", retries=3, retry_delay_seconds=2,
      retry_condition_fn=retry_unless_bad_input)
def record_training(run_id: str, run_date: str, trained: TrainRecord, root_url: str) -> str:
    """A standalone training's rows in ``training_history`` (its runs row is record_run's)."""
    root = resolve_root(root_url)
    history = read_parquet(root, trained.files["history"], schema=HISTORY)
    return append_rows(root, schemas.HISTORY_TABLE, tables.history_rows(
        run_id, run_date, trained.dataset, trained.model, trained.key, history),
        f"{run_id}-{trained.model}")


@task(name="record-run", retries=3, retry_delay_seconds=2)
def record_run(run_id: str, run_date: str, flow_run_id: str | None, profile: str,
               config_json: str, started: dt.datetime, status: str, error: str | None,
               root_url: str, stage_seconds: dict[str, float] | None = None) -> str:
    """Append the run's row to ``runs`` (deterministic part name: idempotent on retry)."""
    root = resolve_root(root_url)
    row = tables.run_row(run_id, run_date, flow_run_id, profile, config_json,
                         PIPELINE_CODE_VERSION, package_versions(), started,
                         dt.datetime.now(dt.UTC), status, error, stage_seconds)
    path = append_rows(root, schemas.RUNS_TABLE, row, run_id)
    from genflow.tasks.reporting.index import write_index

    try:  # the trends page follows every run; a failure to draw it never fails the run
        log.info("runs and trends: %s", root.url_of(write_index(root)))
    except Exception as e:  # noqa: BLE001
        log.warning("reports/index.html not updated: %s: %s", type(e).__name__, e)
    return path
