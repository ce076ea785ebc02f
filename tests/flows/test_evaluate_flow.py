"""Generate and evaluate under a real Prefect server (smoke profile, real data), each stage
given its upstream records and run once."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from tests.flows.test_ingest_flow import _task_states

pytestmark = pytest.mark.usefixtures("prefect_server")


def test_evaluate_flow_end_to_end_and_cached(mnist_csv: Path, root_dir: Path) -> None:
    from genflow.flows.chain import run_stage
    from genflow.flows.evaluate import evaluate
    from genflow.tasks.training.request import ModelRequest

    request = ModelRequest(model="autoencoder", profile="smoke")
    chained = run_stage(request, str(root_dir), "evaluate", source="csv")
    record = chained.evaluation
    metrics = {row["metric"]: row for row in record.metrics}
    assert {"fid", "kid", "precision", "recall", "density", "coverage", "c2st_accuracy",
            "copy_rate", "mode_entropy_bits", "classifier_score",
            "extractor_test_accuracy"} <= set(metrics)
    assert metrics["fid"]["floor"] is not None and metrics["fid"]["n"] == 64
    assert all(isinstance(row["value"], float) for row in record.metrics)
    neighbours = pq.read_table(root_dir / record.neighbours_path)
    assert neighbours.num_rows == 64 and neighbours.column("nn_index").to_pylist()[0] >= 0
    from PIL import Image

    # E1: 50 samples above their nearest training images (the neighbours as real pixels, not
    # float [0, 1] truncated to black)
    with Image.open(root_dir / record.pictures["side_by_side"]) as im:
        picture = np.asarray(im)
    tile = 2 * (28 + 2)  # grid scale 2, 2-pixel padding
    assert picture.shape[0] == 10 * tile + 4  # 5 rows of 10 pairs
    band = picture[tile:2 * tile]  # the first row of neighbours: real grey levels
    assert ((band > 2) & (band < 254)).sum() > 100
    sample_dir = root_dir / "samples" / "autoencoder" / record.run
    assert {"grid", "noise_sweep", "interpolation", "latent_map", "reconstructions"} <= {
        p.name.split("-seed")[0] for p in sample_dir.glob("*-seed0.png")}

    again = evaluate(chained.samples, chained.trained, root=str(root_dir), return_state=True)
    assert again.result().metrics == record.metrics
    states = _task_states(again.state_details.flow_run_id)
    assert states == {"evaluate-samples": ["Cached"], "train-extractor": ["Cached"]}
