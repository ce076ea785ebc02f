"""The ``genflow`` command. Exit codes: 0 success, 2 bad input or usage, 1 anything else.

Heavy imports (Prefect, TensorFlow) happen after argument parsing and after Prefect's local
settings are applied, so ``genflow --help`` is instant and settings are never read too early.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from pydantic import ValidationError

from genflow import __version__, run_config
from genflow.core.errors import GenflowError, InputError
from genflow.core.quiet import import_tensorflow_quietly, quiet_tensorflow_defaults
from genflow.core.settings import configure_prefect
from genflow.run_config import DATASETS, PROFILES, SOURCES, add_pipeline_options
from genflow.storage.root import PREFECT, ROOT_ENV, ArtifactRoot, resolve_root


def _root_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--root", metavar="DIR",
                   help=f"artifact root (path or fsspec URL); default ${ROOT_ENV} or ~/.genflow")


def build_parser() -> argparse.ArgumentParser:
    from genflow.tasks.models import registry  # light: no Keras until a model is built

    models = registry.names()
    parser = argparse.ArgumentParser(
        prog="genflow", description="Generative-model pipelines on MNIST and Fashion-MNIST.")
    parser.add_argument("--version", action="version", version=f"genflow {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = sub.add_parser("run", help="the whole pipeline: ingest, train, generate, evaluate, report")
    add_pipeline_options(run, models, registry.default_names())
    _root_option(run)
    run.set_defaults(func=cmd_run)

    config = sub.add_parser("config", help="show the resolved pipeline config")
    config_sub = config.add_subparsers(dest="config_command", required=True, metavar="ACTION")
    show = config_sub.add_parser("show", help="print the config `genflow run` would use (YAML)")
    add_pipeline_options(show, models, registry.default_names())
    _root_option(show)
    show.set_defaults(func=cmd_config_show)

    runs = sub.add_parser("runs", help="list recorded runs, newest first")
    runs.add_argument("--last", type=int, default=20, metavar="N", help="at most N runs (20)")
    _root_option(runs)
    runs.set_defaults(func=cmd_runs)

    compare = sub.add_parser("compare", help="two runs side by side: values, intervals, "
                             "differences beyond the intervals")
    compare.add_argument("run_a", metavar="RUN_A")
    compare.add_argument("run_b", metavar="RUN_B")
    compare.add_argument("--all", action="store_true", help="every metric, not the headline ones")
    _root_option(compare)
    compare.set_defaults(func=cmd_compare)

    report = sub.add_parser("report", help="print a run's metrics table")
    report.add_argument("--run", default="latest", metavar="latest|RUN_ID")
    _root_option(report)
    report.set_defaults(func=cmd_report)

    ingest = sub.add_parser("ingest", help="ingest one dataset into the artifact root")
    ingest.add_argument("--dataset", choices=DATASETS, required=True)
    ingest.add_argument("--source", choices=SOURCES, default="auto",
                        help="auto: prepared TFDS, local IDX, TFDS download if reachable, CSV sample")
    ingest.add_argument("--path", metavar="PATH",
                        help="folder of IDX files (idx) or a label-last CSV file (csv)")
    _root_option(ingest)
    ingest.set_defaults(func=cmd_ingest)

    train = sub.add_parser("train", help="train one model (resumes from its checkpoint)")
    train.add_argument("--model", choices=models, required=True)
    train.add_argument("--dataset", choices=DATASETS,
                       help="default: the lecture's dataset for the model")
    train.add_argument("--profile", choices=PROFILES, default="quick")
    train.add_argument("--set", dest="overrides", action="append", default=[],
                       metavar="SECTION.FIELD=VALUE",
                       help="override a config field, e.g. train.steps=500 or model.zdim=2")
    train.add_argument("--source", choices=SOURCES, default="auto")
    _root_option(train)
    train.set_defaults(func=cmd_train)

    for name, func, text in (("generate", cmd_generate, "train (cached) and generate samples"),
                             ("evaluate", cmd_evaluate, "train, generate and score samples, or "
                              "score any image set (--images)")):
        p = sub.add_parser(name, help=text)
        p.add_argument("--model", choices=models, required=name == "generate")
        p.add_argument("--dataset", choices=DATASETS)
        p.add_argument("--profile", choices=PROFILES, default="quick")
        p.add_argument("--set", dest="overrides", action="append", default=[],
                       metavar="SECTION.FIELD=VALUE")
        p.add_argument("--samples", type=int, metavar="N",
                       help="samples to generate (default: smoke 64, quick 2000, lecture 10000)")
        p.add_argument("--seed", type=int, default=0)
        p.add_argument("--source", choices=SOURCES, default="auto")
        if name == "evaluate":
            p.add_argument("--images", metavar="PATH",
                           help="score these images instead of a model's: a .npy (N, 28, 28[, 1]) "
                           "of uint8 or float [0, 1], a folder of 28x28 grayscale PNGs, or a "
                           "Parquet file with an 'image' column; needs --dataset")
            p.add_argument("--classes", metavar="C,C,...",
                           help="with --images: the classes the images should resemble (default all)")
            p.add_argument("--name", metavar="LABEL",
                           help="with --images: the label of the rows (default: the file name)")
            p.add_argument("--extractor", choices=("domain", "inception"), default="domain")
            p.add_argument("--inception-weights", metavar="FILE",
                           help="InceptionV3 no-top weights (.h5) for --extractor inception")
        _root_option(p)
        p.set_defaults(func=func)
    calibrate = sub.add_parser("calibrate", help="run the evaluation on known cases (controls); "
                               "exit 1 if one fails")
    calibrate.add_argument("--dataset", choices=DATASETS, required=True)
    calibrate.add_argument("--samples", type=int, default=2000, metavar="N",
                           help="images per control (2000; fewer if the test split is small)")
    calibrate.add_argument("--source", choices=SOURCES, default="auto")
    calibrate.add_argument("--repeats", type=int, default=1, metavar="K",
                           help="draw and judge the controls K times: each flag's false-alarm "
                                "rate on fresh images and each control's pass rate")
    _root_option(calibrate)
    calibrate.set_defaults(func=cmd_calibrate)

    automations = sub.add_parser("automations", help="the server's recovery automations")
    automations_sub = automations.add_subparsers(dest="automations_command", required=True,
                                                 metavar="ACTION")
    install = automations_sub.add_parser(
        "install", help="create or update them on the server PREFECT_API_URL names (idempotent)")
    _root_option(install)  # unused: the automations live on the server
    target = install.add_mutually_exclusive_group()
    target.add_argument("--webhook", metavar="URL",
                        help="send alerts to this webhook (saved as the block genflow-alerts)")
    target.add_argument("--notify-block", metavar="TYPE/NAME",
                        help="send alerts through an existing Prefect notification block, "
                             "e.g. slack-webhook/ops")
    install.add_argument("--pipeline-deadline-hours", type=float, metavar="H",
                         help="alert when a pipeline run is not Completed H hours after it was "
                              "due or started (default 6)")
    install.set_defaults(func=cmd_automations_install)
    return parser


def cmd_automations_install(args: argparse.Namespace, root: ArtifactRoot) -> int:
    import os

    if not os.environ.get("PREFECT_API_URL"):
        raise InputError("PREFECT_API_URL is not set: the automations belong on the server "
                         "your workers use (export PREFECT_API_URL=http://HOST:4200/api)")
    from genflow.flows.automations import install

    for name, action in install(webhook=args.webhook, block=args.notify_block,
                                pipeline_deadline_hours=args.pipeline_deadline_hours):
        print(f"{action:<8} {name}")
    return 0


def _print_records(records: list, root: ArtifactRoot) -> None:
    print(f"{'dataset':<14}{'split':<7}{'source':<7}{'images':>8}  path")
    for r in records:
        flag = " (sample)" if r.is_sample else ""
        print(f"{r.dataset:<14}{r.split:<7}{r.source:<7}{r.n_images:>8}  "
              f"{root.url_of(r.path)}{flag}")


def _ingest(datasets: Sequence[str], source: str, path: str | None, root: ArtifactRoot) -> list:
    from genflow.tasks.data.config import IngestConfig
    from genflow.tasks.data.sources import precheck

    configs = [IngestConfig(dataset=name, source=source, path=path) for name in datasets]
    for config in configs:
        precheck(config)  # bad paths fail in milliseconds, before Prefect starts a server
    from genflow.flows.ingest import ingest

    records = []
    for config in configs:
        records += ingest(config, root=root.url)
    return records  # `genflow ingest` is the ingest stage alone: nothing upstream


def cmd_ingest(args: argparse.Namespace, root: ArtifactRoot) -> int:
    _print_records(_ingest([args.dataset], args.source, args.path, root), root)
    return 0


def _default_profile() -> str:
    from genflow.tasks.training.devices import gpu_present

    return "lecture" if gpu_present() else "quick"


def cmd_config_show(args: argparse.Namespace, root: ArtifactRoot) -> int:
    print(run_config.to_yaml(run_config.resolve(args, _default_profile())), end="")
    return 0


def cmd_run(args: argparse.Namespace, root: ArtifactRoot) -> int:
    config = run_config.resolve(args, _default_profile())
    profile = config.profile
    config.requests()  # every branch's fields first: a bad one exits 2 before the heavy imports
    from genflow.flows.pipeline import pipeline

    import_tensorflow_quietly()
    config.check()  # every branch's config and shapes, before Prefect starts (exit 2)
    result = pipeline(config, root=root.url)
    print(f"genflow run {result.run_id} ({profile}) completed")
    print(f"  HTML report   {root.url_of(result.report.html)}")
    print(f"  Parquet       {root.url_of('reports')}/<table>/  "
          f"({', '.join(sorted(result.report.tables))})")
    _print_summary([(b.trained.model, b.trained.dataset, b.evaluation.metrics,
                     b.evaluation.verdict) for b in result.branches])
    print("  wall time per stage: " + ", ".join(
        f"{stage} {seconds:.1f} s" for stage, seconds in result.stage_seconds.items()))
    return 0


def _headline() -> tuple[str, ...]:
    from genflow.tasks.evaluation import metrics

    return metrics.headline()


def _print_summary(rows: list[tuple[str, str, list[dict], str]]) -> None:
    keys = _headline()
    print(f"  {'model':<16}{'dataset':<14}" + "".join(f"{k:>20}" for k in keys))
    for model, dataset, metrics, _ in rows:
        by = {m["metric"]: m for m in metrics}
        cells = []
        for k in keys:
            m = by.get(k)
            cells.append("" if m is None else f"{m['value']:.3f}" + (
                "" if m["floor"] is None else f" ({m['floor']:.3f})"))
        print(f"  {model:<16}{dataset:<14}" + "".join(f"{c:>20}" for c in cells))
    print("  (real-data floor in brackets; n and every other metric: genflow report)")
    from genflow.tasks.evaluation.verdict import verdict_detail

    for model, dataset, metrics, verdict in rows:
        print(f"  verdict {model} on {dataset}: {verdict_detail(verdict, metrics)}")


def _run_models(config_json: str) -> str:
    import json

    config = json.loads(config_json)
    if "train" in config:  # a standalone training
        return str(config["train"].get("model", ""))
    if "evaluate_images" in config:
        return f"images:{config['evaluate_images'].get('name', '')}"
    if "calibrate" in config:
        return f"calibrate:{config['calibrate'].get('dataset', '')}"
    return " ".join(config.get("models") or [])


def cmd_runs(args: argparse.Namespace, root: ArtifactRoot) -> int:
    """Runs from the `runs` table only (works on a copy of reports/)."""
    from genflow.storage.parquet import read_table
    from genflow.storage.schemas import RUNS_TABLE

    if args.last < 1:
        raise InputError(f"--last must be >= 1, got {args.last}")
    rows = sorted(read_table(root, RUNS_TABLE).to_pylist(), key=lambda r: r["started_at"],
                  reverse=True)[:args.last]
    if not rows:
        raise InputError(f"{root.url_of('reports', RUNS_TABLE)}: no runs recorded yet")
    print(f"{'run':<26}{'started (UTC)':<21}{'profile':<11}{'status':<11}{'wall':>9}  models")
    for r in rows:
        wall = (r["finished_at"] - r["started_at"]).total_seconds()
        print(f"{r['run_id']:<26}{r['started_at']:%Y-%m-%d %H:%M:%S}  {r['profile']:<11}"
              f"{r['status']:<11}{wall:>8.1f}s  {_run_models(r['config_json'])}")
    return 0


def cmd_compare(args: argparse.Namespace, root: ArtifactRoot) -> int:
    """From the `metrics` table only (works on a copy of reports/)."""
    from genflow.storage.parquet import read_table
    from genflow.storage.schemas import METRICS_TABLE
    from genflow.tasks.reporting.compare import compare_runs

    rows = read_table(root, METRICS_TABLE).to_pylist()
    changes, verdicts = compare_runs(rows, args.run_a, args.run_b,
                                     None if args.all else _headline())
    print(f"{args.run_a} (A) -> {args.run_b} (B); 'beyond': the 95 % intervals do not overlap")
    print(f"  {'model':<16}{'dataset':<14}{'metric':<22}{'A':>10}  {'A interval':<22}{'B':>10}  "
          f"{'B interval':<22}{'B - A':>10}  beyond")
    for c in changes:
        print(f"  {c.model:<16}{c.dataset:<14}{c.metric:<22}{c.a['value']:>10.4f}  "
              f"{_interval(c.a, 'low', 'high'):<22}{c.b['value']:>10.4f}  "
              f"{_interval(c.b, 'low', 'high'):<22}{c.difference:>+10.4f}  {c.direction}")
    for (model, dataset), (a, b) in verdicts.items():
        print(f"  verdict {model} on {dataset}: {a or '-'} -> {b or '-'}")
    for c in changes:
        if c.comparable:
            print(f"  note: {c.model} on {c.dataset} {c.metric} is not like for like "
                  f"({c.comparable}): N, extractor and profile change the numbers")
            break
    beyond = [c for c in changes if c.beyond]
    print(f"{len(beyond)} of {len(changes)} differences beyond the intervals")
    return 0


def cmd_report(args: argparse.Namespace, root: ArtifactRoot) -> int:
    from genflow.storage.parquet import read_table
    from genflow.storage.schemas import METRICS_TABLE

    metrics = read_table(root, METRICS_TABLE).to_pylist()
    if not metrics:
        raise InputError(f"{root.url_of('reports', METRICS_TABLE)}: no runs recorded yet; "
                         "run `genflow run` first")
    run = max(m["run_id"] for m in metrics) if args.run == "latest" else args.run
    rows = [m for m in metrics if m["run_id"] == run]
    if not rows:
        raise InputError(f"run {run!r} not found in {root.url_of('reports', METRICS_TABLE)}")
    print(f"run {run} ({rows[0]['profile']}, {rows[0]['run_date']})")
    print(f"  {'model':<16}{'dataset':<14}{'metric':<26}{'value':>10}  {'95 % interval':<22}"
          f"{'floor':>10}{'n':>7}  extractor")
    from genflow.tasks.evaluation.verdict import verdict_detail

    verdicts: dict[tuple[str, str], list[dict]] = {}
    for m in sorted(rows, key=lambda m: (m["model"], m["dataset"], m["metric"])):
        floor = "" if m["floor"] is None else f"{m['floor']:.4f}"
        print(f"  {m['model']:<16}{m['dataset']:<14}{m['metric']:<26}{m['value']:>10.4f}  "
              f"{_interval(m, 'low', 'high'):<22}{floor:>10}{m['n']:>7}  {m['extractor']}")
        verdicts.setdefault((m["model"], m["dataset"]), []).append(m)
    for (model, dataset), its in verdicts.items():
        print(f"  verdict {model} on {dataset}: {verdict_detail(its[0].get('verdict'), its)}")
    return 0


def cmd_train(args: argparse.Namespace, root: ArtifactRoot) -> int:
    from genflow.tasks.training.profiles import parse_overrides

    overrides = parse_overrides(args.overrides)
    from genflow.tasks.training.request import ModelRequest

    request = ModelRequest(model=args.model, dataset=args.dataset, profile=args.profile,
                           overrides=overrides)
    _preflight(request)
    from genflow.flows.chain import train_run

    r = train_run(request, source=args.source, root=root.url)  # lands in the tables as a run
    print(f"trained {r.model} on {r.dataset} ({r.profile}): {r.steps} iterations, "
          f"{r.images_per_second:.0f} images/s on {r.devices}"
          + (f", resumed from {r.resumed_from}" if r.resumed_from else ""))
    for k, v in r.final.items():
        print(f"  {k:<16}{v:.4f}")
    print(f"  run folder      {root.url_of(r.run_dir)}")
    return 0


def _preflight(request) -> None:
    """Config fields and network shapes, before Prefect starts or anything is written."""
    from genflow.tasks.models.preflight import preflight

    spec = request.spec()
    import_tensorflow_quietly()
    preflight(spec)


def _stage_args(args: argparse.Namespace) -> dict:
    from genflow.tasks.training.profiles import parse_overrides
    from genflow.tasks.training.request import ModelRequest

    request = ModelRequest(model=args.model, dataset=args.dataset, profile=args.profile,
                           overrides=parse_overrides(args.overrides))
    _preflight(request)
    if args.samples is not None and args.samples < 1:
        raise InputError(f"--samples must be >= 1, got {args.samples}")
    return {"request": request, "n": args.samples, "seed": args.seed, "source": args.source}


def cmd_generate(args: argparse.Namespace, root: ArtifactRoot) -> int:
    kwargs = _stage_args(args)
    from genflow.flows.chain import run_stage

    r = run_stage(root_url=root.url, upto="generate", **kwargs).samples
    print(f"{r.n} samples of {r.model} ({r.dataset}, seed {r.seed}): {root.url_of(r.path)}")
    for name, path in sorted(r.pictures.items()):
        print(f"  {name:<14}{root.url_of(path)}")
    return 0


def _interval(row: dict, low: str, high: str) -> str:
    if row.get(low) is None or row.get(high) is None:
        return ""
    return f"[{row[low]:.4f}, {row[high]:.4f}]"


def _print_rows(rows: list[dict]) -> None:
    print(f"  {'metric':<24}{'value':>10}  {'95 % interval':<22}{'floor':>10}  "
          f"{'floor interval':<22}{'n':>6}")
    for r in rows:
        floor = "" if r["floor"] is None else f"{r['floor']:.4f}"
        print(f"  {r['metric']:<24}{r['value']:>10.4f}  {_interval(r, 'low', 'high'):<22}"
              f"{floor:>10}  {_interval(r, 'floor_low', 'floor_high'):<22}{r['n']:>6}")


def _parse_classes(text: str | None) -> list[int] | None:
    if text is None:
        return None
    try:
        classes = sorted({int(c) for c in text.split(",") if c.strip()})
    except ValueError as e:
        raise InputError(f"--classes: {text!r} is not a comma-separated list of 0-9") from e
    if not classes or not all(0 <= c <= 9 for c in classes):
        raise InputError(f"--classes: {text!r} must list classes between 0 and 9")
    return classes


def cmd_evaluate_images(args: argparse.Namespace, root: ArtifactRoot) -> int:
    from pathlib import Path

    if args.model:
        raise InputError("--images and --model exclude each other")
    if args.overrides or args.samples is not None:
        raise InputError("--set and --samples apply to a model, not to --images")
    if not args.dataset:
        raise InputError("--images needs --dataset (mnist or fashion_mnist)")
    classes = _parse_classes(args.classes)
    images = str(Path(args.images).expanduser().resolve())
    name = args.name or Path(images).stem
    if not args.name:
        from genflow.storage.root import check_name

        try:
            check_name(name)
        except InputError as e:
            raise InputError(f"--images {args.images}: the file name {name!r} is not a usable "
                             "label; give one with --name") from e
    from genflow.flows.audit import check_images_request, evaluate_images
    from genflow.tasks.evaluation.config import eval_config_for

    config = eval_config_for("quick", seed=args.seed, extractor=args.extractor,
                             inception_weights=args.inception_weights)
    # every name, label and path, before Prefect starts and before any work (exit 2)
    n = len(check_images_request(images, args.dataset, name, classes, config))
    result = evaluate_images(images, args.dataset, name, classes, source=args.source,
                             root=root.url, evaluation=config)
    s = result.sets[0]
    print(f"{name}: {n} images judged as {args.dataset}"
          + (f" classes {classes}" if classes else "") + f", run {result.run_id}")
    _print_rows(s.metrics)
    from genflow.tasks.evaluation.verdict import verdict_detail

    print(f"  verdict: {verdict_detail(s.verdict, s.metrics)}")
    return 0


def cmd_calibrate(args: argparse.Namespace, root: ArtifactRoot) -> int:
    if args.samples < 10:
        raise InputError(f"--samples must be >= 10, got {args.samples}")
    if args.repeats < 1:
        raise InputError(f"--repeats must be >= 1, got {args.repeats}")
    from genflow.flows.audit import calibrate

    result = calibrate(args.dataset, n=args.samples, source=args.source, root=root.url,
                       repeats=args.repeats)
    keys = _headline()
    controls = [s for s in result.sets if s.label.startswith("control:")]
    print(f"calibration of {args.dataset}, run {result.run_id}")
    width = {k: max(14, len(k) + 2) for k in keys}
    print(f"  {'control':<18}" + "".join(f"{k:>{width[k]}}" for k in keys) + "  verdict      result")
    for s in controls:
        by = {r["metric"]: r for r in s.metrics}
        cells = "".join(f"{by[k]['value']:>{width[k]}.4f}" if k in by else " " * width[k]
                        for k in keys)
        print(f"  {s.label.split(':', 1)[1]:<18}{cells}  {s.verdict:<12} "
              + ("passed" if s.failure is None else f"FAILED: {s.failure}"))
    floor = {r["metric"]: r["floor"] for r in result.sets[0].metrics}
    print(f"  {'(floor)':<18}" + "".join(
        f"{floor[k]:>{width[k]}.4f}" if floor.get(k) is not None else " " * width[k]
        for k in keys))
    from genflow.tasks.evaluation.verdict import power_statement

    print(f"  power: {power_statement(controls[0].metrics)}")
    summary = result.repeated
    if summary is not None:
        print(f"over {summary.repeats} draws of the controls ("
              f"{'disjoint' if summary.disjoint else 'overlapping'} held-out draws), rate and "
              "Wilson 95 % interval:")
        for flag, (rate, low, high) in summary.false_alarms.items():
            print(f"  false alarms of {flag:<17}{rate:>7.1%}  [{low:.1%}, {high:.1%}]"
                  f"{'' if rate <= 0.05 else '  (above the 5 % target)'}")
        for name, (rate, low, high) in summary.passed.items():
            print(f"  {name:<18} passed {rate:>7.1%}  [{low:.1%}, {high:.1%}]")
    failed = result.failed
    print(f"{len(controls) - len(failed)} of {len(controls)} controls passed")
    return 1 if failed else 0


def cmd_evaluate(args: argparse.Namespace, root: ArtifactRoot) -> int:
    if args.images:
        return cmd_evaluate_images(args, root)
    if not args.model:
        raise InputError("evaluate needs --model MODEL (or --images PATH --dataset NAME)")
    kwargs = _stage_args(args)

    from genflow.tasks.evaluation.config import eval_config_for

    eval_config_for(args.profile, extractor=args.extractor,  # bad values fail before any work
                    inception_weights=args.inception_weights)
    if args.extractor == "inception":
        from genflow.tasks.evaluation.extractors import load_inception

        load_inception(args.inception_weights)  # a missing file fails before any work
    from genflow.flows.config import PipelineConfig
    from genflow.flows.pipeline import pipeline

    request = kwargs["request"]
    # One model through the pipeline: each stage once, and the run lands in the report tables.
    result = pipeline(PipelineConfig(
        profile=request.profile, models=[request.model], datasets=[request.spec().dataset],
        overrides={request.model: request.overrides} if request.overrides else {},
        samples=kwargs["n"], seed=kwargs["seed"], source=kwargs["source"],
        extractor=args.extractor, inception_weights=args.inception_weights), root=root.url)
    r = result.branches[0].evaluation
    print(f"{r.model} on {r.dataset} ({r.profile}), run {result.run_id}, "
          f"extractor {r.metrics[0]['extractor']}:")
    _print_rows(r.metrics)
    from genflow.tasks.evaluation.verdict import verdict_detail

    print(f"  verdict: {verdict_detail(r.verdict, r.metrics)}")
    print(f"  side by side: {root.url_of(r.pictures['side_by_side'])}")
    return 0


def _one_line(e: ValidationError) -> str:
    err = e.errors()[0]
    field = ".".join(str(p) for p in err["loc"]) or "input"
    return f"{field}: {err['msg']}"


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    # One line per API call or credential lookup otherwise.
    for chatty in ("httpx", "botocore", "aiobotocore", "s3fs", "fsspec"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
    quiet_tensorflow_defaults()
    try:
        root = resolve_root(args.root)
        configure_prefect(root.makedirs(PREFECT) if root.is_local else None)
        return args.func(args, root)
    except InputError as e:
        print(f"genflow: error: {e}", file=sys.stderr)
        return 2
    except ValidationError as e:
        print(f"genflow: error: {_one_line(e)}", file=sys.stderr)
        return 2
    except GenflowError as e:
        print(f"genflow: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("genflow: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
