"""The evaluation on known cases, on the full Fashion-MNIST (real IDX files, a real Prefect
server): `genflow calibrate` passes every control, and `genflow evaluate --images` scores
fresh real images at the floor and noisy training copies as copies, with the rows read back
from the report tables."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from genflow.storage.parquet import read_table
from genflow.storage.root import resolve_root

# One test of ~10 min on one core (the quick Fashion extractor, then 14 judged sets): more
# than the suite-wide 15 min limit when the other xdist worker trains beside it.
pytestmark = [pytest.mark.slow, pytest.mark.usefixtures("prefect_server"),
              pytest.mark.timeout(1800)]


def test_controls_pass_and_any_image_set_is_judged(fashion_idx_dir: Path, tmp_path: Path,
                                                    real_splits) -> None:
    from genflow.flows.audit import calibrate, evaluate_images

    root = tmp_path / "root"
    result = calibrate("fashion_mnist", n=1000, source="idx", root=str(root), repeats=2)
    summary = result.sets[-1]
    assert summary.label == "calibration" and result.repeated is not None
    assert result.repeated.repeats == 2 and result.repeated.disjoint  # 2 x 1,000 <= 3,333
    assert set(result.repeated.false_alarms) == {"collapsed", "unrealistic", "copies",
                                                 "below_floor", "missing_classes"}
    for control in ("train_noisy", "dropped_classes", "one_repeated", "noise-4", "blur-4"):
        assert result.repeated.passed[control][0] == 1.0, (control, result.repeated.passed)
    result.sets = result.sets[:-1]
    outcome = {s.label: s.failure for s in result.sets}
    assert len(outcome) == 12 and not [f for f in outcome.values() if f], outcome
    verdicts = {s.label: s.verdict for s in result.sets}
    gap = {s.label: {r["metric"]: r for r in s.metrics}["memorisation_gap"] for s in result.sets}
    assert gap["control:train_noisy"]["low"] > 0, gap["control:train_noisy"]  # copies: a gap
    assert gap["control:held_out"]["low"] <= 0 <= gap["control:held_out"]["high"]  # fresh: none
    assert verdicts["control:held_out"] == "ok"
    assert "copies" in verdicts["control:train_noisy"]
    assert "collapsed" in verdicts["control:one_repeated"]
    assert "missing_classes" in verdicts["control:dropped_classes"]  # naming the three: outcome
    for ladder in ("noise", "blur"):
        for level in (1, 2, 3, 4):
            got = verdicts[f"control:{ladder}-{level}"].split(",")
            assert "collapsed" not in got, (ladder, level, got)  # corruption is not collapse
            if level >= 3:
                assert "unrealistic" in got, (ladder, level, got)

    rows = [r for r in read_table(resolve_root(root), "metrics").to_pylist()
            if r["run_id"] == result.run_id]
    passed = {r["model"]: r["value"] for r in rows if r["metric"] == "control_passed"}
    assert passed == {label: 1.0 for label in outcome}
    rates = {r["metric"]: r for r in rows if r["model"] == "calibration"}
    assert rates["false_alarm_rate_collapsed"]["n"] == 2 and "pass_rate_held_out" in rates
    assert all(r["profile"] == "calibrate" and r["eval_seed"] == 0 for r in rows)
    accuracy = {r["metric"]: r["value"] for r in rows}["extractor_test_accuracy"]
    assert accuracy >= 0.90  # the quick profile's Fashion-MNIST extractor, on 2/3 of train

    # Any image set: fresh real test images sit at the floor, noisy training copies are copies.
    (x, _), (xt, _) = real_splits["fashion_mnist"]["train"], real_splits["fashion_mnist"]["test"]
    rng = np.random.default_rng(3)
    np.save(tmp_path / "real.npy", xt[rng.permutation(len(xt))[:1500]])
    copies = x[rng.permutation(len(x))[:1500]].astype(np.float32) / 255.0
    np.save(tmp_path / "copies.npy", np.clip(copies + rng.normal(0, 0.02, copies.shape), 0, 1))
    real = evaluate_images(str(tmp_path / "real.npy"), "fashion_mnist", "real", source="idx",
                           root=str(root)).sets[0]
    assert real.verdict == "ok"
    fid = {r["metric"]: r for r in real.metrics}["fid"]
    assert fid["low"] <= fid["floor_high"] and fid["floor_low"] <= fid["high"], fid
    copied = evaluate_images(str(tmp_path / "copies.npy"), "fashion_mnist", "copies",
                             source="idx", root=str(root)).sets[0]
    assert "copies" in copied.verdict
    # The report states its power: at N = 1,500 every control is detected, at N = 50 not.
    detects = {r["metric"]: r["value"] for r in real.metrics if r["metric"].startswith("detects_")}
    assert len(detects) == 11 and all(v == 1.0 for v in detects.values()), detects
    np.save(tmp_path / "few.npy", xt[rng.permutation(len(xt))[:50]])
    few = evaluate_images(str(tmp_path / "few.npy"), "fashion_mnist", "few", source="idx",
                          root=str(root)).sets[0]
    few_detects = {r["metric"]: r["value"] for r in few.metrics
                   if r["metric"].startswith("detects_")}
    assert few_detects["detects_noise-1"] == 0.0 and few_detects["detects_train_noisy"] == 1.0
    from genflow.tasks.evaluation.verdict import power_statement
    assert ", not noise-1" in power_statement(few.metrics), power_statement(few.metrics)
    labels = {r["model"]: r["verdict"] for r in read_table(resolve_root(root), "metrics").to_pylist()
              if r["profile"] == "images"}
    assert labels == {"real": "ok", "copies": copied.verdict, "few": few.verdict}
    runs = read_table(resolve_root(root), "runs").to_pylist()
    assert sorted(r["profile"] for r in runs) == ["calibrate", "images", "images", "images"]
