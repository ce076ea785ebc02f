"""The genflow command as a user runs it: exit codes, one-line errors, what it writes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

GENFLOW = str(Path(sys.executable).parent / "genflow")


def _run(args: list[str], env_extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, **(env_extra or {})}
    return subprocess.run([GENFLOW, *args], capture_output=True, text=True, env=env, timeout=600)


def test_help_and_usage_errors() -> None:
    assert _run(["--help"]).returncode == 0
    missing = _run(["ingest"])
    assert missing.returncode == 2 and "--dataset" in missing.stderr
    bad_choice = _run(["ingest", "--dataset", "cifar10"])
    assert bad_choice.returncode == 2 and "invalid choice" in bad_choice.stderr


def test_cli_module_imports_nothing_heavy() -> None:
    code = ("import sys, genflow.cli; "
            "print(any(m.split('.')[0] in ('prefect', 'tensorflow') for m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_ingest_real_fashion_mnist_end_to_end(fashion_idx_dir: Path, tmp_path: Path) -> None:
    """A user's first ingest: its own temporary Prefect server, PREFECT_HOME under the root."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env["GENFLOW_HOME"] = str(tmp_path / "home")
    proc = subprocess.run([GENFLOW, "ingest", "--dataset", "fashion_mnist", "--source", "idx",
                           "--path", str(fashion_idx_dir)],
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = proc.stdout.strip().splitlines()
    assert lines[0].split() == ["dataset", "split", "source", "images", "path"]
    assert lines[1].split()[:4] == ["fashion_mnist", "train", "idx", "60000"]
    assert lines[2].split()[:4] == ["fashion_mnist", "test", "idx", "10000"]
    assert Path(lines[1].split()[4]).is_file()
    assert (tmp_path / "home" / "prefect").is_dir()  # PREFECT_HOME defaulted below the root


@pytest.mark.usefixtures("prefect_server")
def test_bad_input_exits_2_with_one_line_naming_the_file(fashion_copy: Path,
                                                         tmp_path: Path) -> None:
    from prefect.settings import PREFECT_API_URL

    target = fashion_copy / "t10k-labels-idx1-ubyte.gz"
    target.write_bytes(b"\x1f\x8b\x08\x00garbage")
    proc = _run(["ingest", "--dataset", "fashion_mnist", "--source", "idx", "--path",
                 str(fashion_copy), "--root", str(tmp_path / "root")],
                {"PREFECT_API_URL": PREFECT_API_URL.value()})
    assert proc.returncode == 2, proc.stderr[-2000:]
    last = proc.stderr.strip().splitlines()[-1]
    assert last.startswith("genflow: error: ") and str(target) in last
    assert "truncated or corrupt gzip" in last
    assert not list((tmp_path / "root").rglob("*.parquet"))


def test_missing_path_fails_before_any_server_is_contacted(tmp_path: Path) -> None:
    # The API URL points at a closed port: reaching Prefect at all would fail differently.
    proc = _run(["ingest", "--dataset", "mnist", "--source", "idx", "--path",
                 str(tmp_path / "missing"), "--root", str(tmp_path / "root")],
                {"PREFECT_API_URL": "http://127.0.0.1:9/api"})
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"genflow: error: {tmp_path / 'missing'}: not a folder of IDX files"]


def test_train_config_errors_exit_2_before_prefect_starts(tmp_path: Path) -> None:
    env = {"PREFECT_API_URL": "http://127.0.0.1:9/api"}
    bad = _run(["train", "--model", "dcgan", "--set", "train.batch_size=0",
                "--root", str(tmp_path)], env)
    assert bad.returncode == 2
    assert bad.stderr.strip().splitlines()[-1] == (
        "genflow: error: train.batch_size: Input should be greater than or equal to 1")
    shape = _run(["train", "--model", "mlp_gan", "--set", "nonsense", "--root", str(tmp_path)], env)
    assert shape.returncode == 2 and "train.FIELD=VALUE" in shape.stderr


def test_run_checks_every_branch_before_anything_is_written(tmp_path: Path) -> None:
    """A bad shape in one branch: exit 2, one line naming the branch and the field, no root
    content (no server started, nothing trained)."""
    root = tmp_path / "root"
    bad = _run(["run", "--profile", "smoke", "--models", "pixel", "mlp_gan", "--source", "csv",
                "--set", "mlp_gan.model.generator_output=644", "--root", str(root)])
    assert bad.returncode == 2, bad.stderr[-2000:]
    line = bad.stderr.strip().splitlines()[-1]
    assert line.startswith("genflow: error: branch mlp_gan on mnist: model.generator_output=644")
    assert "(644,)" in line and "(784,)" in line
    assert not (root / "models").exists() and not (root / "reports").exists()
    field = _run(["run", "--models", "vae", "--set", "vae.train.batch_size=0", "--root", str(root)])
    assert field.returncode == 2 and "branch vae on mnist: train.batch_size" in field.stderr
    twice = _run(["run", "--models", "vae", "vae", "--root", str(root)])
    assert twice.returncode == 2 and "vae listed more than once" in twice.stderr


def test_config_file_flags_and_show(tmp_path: Path) -> None:
    """A YAML file maps onto PipelineConfig, flags override it, `config show` prints the result;
    unknown keys and bad values name the file and the key (exit 2)."""
    import yaml

    from genflow.flows.config import PipelineConfig
    from genflow.run_config import FLAG_FIELDS

    # every field has a flag: these two through --set and --limit
    assert set(FLAG_FIELDS.values()) | {"overrides", "limits"} == set(PipelineConfig.model_fields)
    config = tmp_path / "nightly.yaml"
    config.write_text("profile: smoke\nmodels: [pixel, mlp_gan]\nseed: 1\n"
                      "overrides:\n  mlp_gan:\n    train: {steps: 6}\n")
    shown = _run(["config", "show", "--config", str(config), "--seed", "7",
                  "--set", "mlp_gan.model.zdim=16", "--root", str(tmp_path / "root")])
    assert shown.returncode == 0, shown.stderr
    resolved = yaml.safe_load(shown.stdout)
    assert resolved["profile"] == "smoke" and resolved["seed"] == 7  # the flag wins
    assert resolved["overrides"] == {"mlp_gan": {"train": {"steps": 6}, "model": {"zdim": 16}}}
    assert PipelineConfig(**resolved).models == ["pixel", "mlp_gan"]  # the deployments' schema

    config.write_text("profile: smoke\nmodelz: [pixel]\n")
    unknown = _run(["run", "--config", str(config), "--root", str(tmp_path / "root")])
    assert unknown.returncode == 2
    assert unknown.stderr.strip() == f"genflow: error: {config}: modelz: Extra inputs are not permitted"
    config.write_text("concurrency: 0\n")
    bad = _run(["config", "show", "--config", str(config)])
    assert bad.returncode == 2 and f"{config}: concurrency:" in bad.stderr
    config.write_text("- a list\n")
    assert _run(["config", "show", "--config", str(config)]).returncode == 2
    missing = _run(["config", "show", "--config", str(tmp_path / "nope.yaml")])
    assert missing.returncode == 2 and "nope.yaml: cannot read" in missing.stderr


@pytest.mark.slow  # three real CLI runs (train, evaluate, runs): 30 s of the fast tier's 5 min
@pytest.mark.usefixtures("prefect_server")
def test_console_is_quiet_when_not_a_terminal(tmp_path: Path, mnist_csv: Path) -> None:
    """Piped output: no progress-bar redraws, no TensorFlow C++ start-up lines."""
    from prefect.settings import PREFECT_API_URL

    env = {"PREFECT_API_URL": PREFECT_API_URL.value()}
    env_clean = {k: v for k, v in os.environ.items() if k not in ("TF_CPP_MIN_LOG_LEVEL",
                                                                  "GENFLOW_TF_LOGS")}
    out = subprocess.run([GENFLOW, "train", "--model", "mlp_gan", "--profile", "smoke",
                          "--source", "csv", "--root", str(tmp_path / "root")],
                         capture_output=True, text=True, env={**env_clean, **env}, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    both = out.stdout + out.stderr
    assert "\r" not in both and "━" not in both and "step" not in out.stdout
    for noise in ("cudart_stub", "cuInit", "absl::InitializeLog", "oneDNN"):
        assert noise not in both, noise
    assert "trained mlp_gan on mnist" in out.stdout
    assert "iteration 4/4" in out.stderr  # progress as log lines instead

    # A standalone training lands in the report tables as its own run.
    from genflow.storage.parquet import read_table
    from genflow.storage.root import resolve_root

    root = resolve_root(tmp_path / "root")
    [run] = read_table(root, "runs").to_pylist()
    assert run["status"] == "completed" and '"model":"mlp_gan"' in run["config_json"].replace(" ", "")
    history = read_table(root, "training_history").to_pylist()
    # smoke: 4 iterations in 2 compiled calls, a row per call for each of the 6 GAN metrics
    assert {h["run_id"] for h in history} == {run["run_id"]} and len(history) == 2 * 6

    scored = subprocess.run([GENFLOW, "evaluate", "--model", "pixel", "--profile", "smoke",
                             "--source", "csv", "--root", str(tmp_path / "root")],
                            capture_output=True, text=True, env={**env_clean, **env}, timeout=600)
    assert scored.returncode == 0, scored.stderr[-3000:]
    runs = read_table(root, "runs").to_pylist()
    assert len(runs) == 2
    metrics = read_table(root, "metrics").to_pylist()
    assert {m["model"] for m in metrics} == {"pixel"} and metrics[0]["train_key"].startswith("train-")

    listed = _run(["runs", "--root", str(tmp_path / "root")], env)
    assert listed.returncode == 0, listed.stderr
    lines = listed.stdout.strip().splitlines()
    assert len(lines) == 3 and lines[1].split()[0] == max(r["run_id"] for r in runs)
    assert lines[1].rstrip().endswith("pixel") and lines[2].rstrip().endswith("mlp_gan")
    assert all(" completed " in line for line in lines[1:])
