"""Train a small DCGAN in its own process (the SIGKILL/resume test kills this).

    python -m tests.training.resume_worker ROOT STEPS CSV
"""

from __future__ import annotations

import sys
from pathlib import Path

from genflow.storage.root import resolve_root
from genflow.storage.runs import RunStore
from genflow.tasks.data.csv_sample import read_label_last_csv
from genflow.tasks.data.normalise import scale
from genflow.tasks.training import loop
from genflow.tasks.training.profiles import make_spec


def main() -> None:
    root, steps, csv = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
    spec = make_spec("dcgan", profile="smoke", overrides={"train": {
        "steps": steps, "checkpoint_every": 5, "grid_every": 10, "batch_size": 16}})
    images, _ = read_label_last_csv(csv)
    store = RunStore.for_run(resolve_root(root), "dcgan", "mnist", "resume0000000000")
    out = loop.train(spec, scale(images[:1000], "symmetric"), None, store, verbose=False)
    print(f"RESUMED_FROM={out.resumed_from} STEPS={out.steps}", flush=True)


if __name__ == "__main__":
    main()
