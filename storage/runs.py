"""The files of one training run: checkpoint, history, progress grids, the sampling model.

Layout: ``models/<model>/<dataset>-<key>/`` holding
    checkpoint.npz         latest checkpoint: every model and optimiser variable + the step
    history.parquet        per-step history, long format (step, metric, value)
    grids/step-NNNNNN.png  progress grids from a fixed noise seed
    sampler.keras          generator / decoder (Keras 3 format; loaded with safe_mode)
    pixel.npz              the pixel model's histograms (P1)
    record.json            the run's TrainRecord, written last: its presence means "complete"
    owner.json             the attempt that may write here (a fencing token; see ``claim``)

Fencing: an attempt ``claim``s the folder before it trains and every later write first checks
that the folder is still its own. A worker that froze (or lost its network) while its run was
rescheduled elsewhere finds a newer claim when it wakes and raises ``Superseded`` instead of
writing into the folder the newer attempt finished.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from genflow.core.errors import Superseded
from genflow.storage.atomic import atomic_path, write_bytes
from genflow.storage.hashing import sha256_file
from genflow.storage.parquet import read_parquet, write_parquet
from genflow.storage.root import MODELS, ArtifactRoot, check_name

HISTORY = pa.schema([
    pa.field("step", pa.int64(), nullable=False),
    pa.field("metric", pa.string(), nullable=False),
    pa.field("value", pa.float64(), nullable=False),
])


RECORD = "record.json"
OWNER = "owner.json"


@dataclass(frozen=True)
class RunStore:
    """Paths and IO of one run directory below the root."""

    root: ArtifactRoot
    model: str
    run: str
    token: str | None = None  # the claim this store writes under (None: no fencing)

    @classmethod
    def for_run(cls, root: ArtifactRoot, model: str, dataset: str, key: str) -> RunStore:
        check_name(model, "model")
        check_name(dataset, "dataset")
        return cls(root, model, check_name(f"{dataset}-{key[:16]}", "run"))

    def parts(self, *names: str) -> tuple[str, ...]:
        return (MODELS, self.model, self.run, *names)

    def path(self, *names: str) -> str:
        return self.root.path(*self.parts(*names))

    def relative(self, *names: str) -> str:
        return "/".join(self.parts(*names))

    # ownership (fencing) ----------------------------------------------------------------
    def claim(self, holder: str) -> RunStore:
        """Make this attempt the folder's only writer: a store whose writes check the claim.

        Args:
            holder: who claims (a flow run id and process, for the operator reading owner.json).
        """
        token = uuid.uuid4().hex
        body = json.dumps({"token": token, "holder": holder, "pid": os.getpid()}).encode()
        write_bytes(self.root, body, *self.parts(OWNER))
        return dataclasses.replace(self, token=token)

    def owner(self) -> dict[str, Any] | None:
        """The current claim ({"token", "holder", "pid"}), or None."""
        if not self.root.exists(*self.parts(OWNER)):
            return None
        with self.root.fs.open(self.path(OWNER), "rb") as f:
            return json.loads(f.read().decode("utf-8"))

    def check_owner(self) -> None:
        """Raise Superseded unless this store's claim is still the folder's (no-op unclaimed)."""
        if self.token is None:
            return
        current = self.owner()
        if current is None or current.get("token") != self.token:
            holder = current.get("holder") if current else "nobody"
            raise Superseded(f"{self.relative()}: claimed by a later attempt ({holder}); this "
                             f"attempt writes nothing more")

    # the finished run's record -------------------------------------------------------
    def save_record(self, record_json: str) -> str:
        """Atomically write the run's record; done last, so it marks a complete run."""
        self.check_owner()
        write_bytes(self.root, record_json.encode("utf-8"), *self.parts(RECORD))
        return self.relative(RECORD)

    def load_record(self) -> str | None:
        """The record's JSON, or None while the run is incomplete or its files were deleted."""
        if not self.root.exists(*self.parts(RECORD)):
            return None
        with self.root.fs.open(self.path(RECORD), "rb") as f:
            return f.read().decode("utf-8")

    def is_complete(self, *names: str) -> bool:
        """The record and every named output (relative to the run folder) still exist."""
        return all(self.root.exists(*self.parts(n)) for n in (RECORD, *names))

    # checkpoints -----------------------------------------------------------------------
    def save_checkpoint(self, step: int, arrays: dict[str, np.ndarray]) -> None:
        """Atomically replace the checkpoint with ``arrays`` at iteration ``step``."""
        self.check_owner()
        buf = io.BytesIO()
        np.savez(buf, __step__=np.int64(step), **arrays)
        write_bytes(self.root, buf.getvalue(), *self.parts("checkpoint.npz"))

    def load_checkpoint(self) -> tuple[int, dict[str, np.ndarray]] | None:
        """(step, arrays) of the latest checkpoint, or None."""
        if not self.root.exists(*self.parts("checkpoint.npz")):
            return None
        with self.root.fs.open(self.path("checkpoint.npz"), "rb") as f:
            data = np.load(io.BytesIO(f.read()))
            arrays = {k: data[k] for k in data.files}
        return int(arrays.pop("__step__")), arrays

    # history ---------------------------------------------------------------------------
    def write_history(self, rows: list[tuple[int, str, float]]) -> None:
        self.check_owner()
        steps, metrics, values = zip(*rows, strict=True) if rows else ((), (), ())
        table = pa.table({"step": pa.array(steps, pa.int64()), "metric": pa.array(metrics, pa.string()),
                          "value": pa.array(values, pa.float64())}, schema=HISTORY)
        write_parquet(self.root, table, *self.parts("history.parquet"))

    def read_history(self) -> list[tuple[int, str, float]]:
        if not self.root.exists(*self.parts("history.parquet")):
            return []
        t = read_parquet(self.root, *self.parts("history.parquet"), schema=HISTORY)
        return list(zip(t.column("step").to_pylist(), t.column("metric").to_pylist(),
                        t.column("value").to_pylist(), strict=True))

    # pictures and models ---------------------------------------------------------------
    def write_grid(self, step: int, png: bytes) -> str:
        self.check_owner()
        write_bytes(self.root, png, *self.parts("grids", f"step-{step:06d}.png"))
        return self.relative("grids", f"step-{step:06d}.png")

    def save_keras(self, model: Any, name: str = "sampler.keras") -> str:
        self.check_owner()
        with atomic_path(self.root, *self.parts(name)) as tmp:
            model.save(tmp)
        return self.relative(name)

    def load_keras(self, name: str = "sampler.keras") -> Any:
        """Load a stored Keras model (safe mode). Keras needs a local file: a remote root's
        model is staged in the local cache under its content hash, so it is fetched once."""
        import keras

        return keras.saving.load_model(str(self.local_copy(name)), safe_mode=True)

    def local_copy(self, name: str) -> Path:
        """A local path holding file ``name`` of this run (the file itself on a local root)."""
        if self.root.is_local:
            return self.root.local(*self.parts(name))
        path = self.path(name)
        version = str(self.root.fs.ukey(path))  # the object's content hash (S3: its ETag)
        digest = hashlib.sha256(f"{path}\x00{version}".encode()).hexdigest()[:32]
        local = self.root.working_dir("objects") / f"{digest}-{name}"
        if not local.exists():
            tmp = local.with_name(f".{uuid.uuid4().hex[:8]}-{local.name}")
            try:
                self.root.fs.get_file(path, str(tmp))
                os.replace(tmp, local)
            finally:
                tmp.unlink(missing_ok=True)
        return local

    def save_arrays(self, name: str, **arrays: np.ndarray) -> str:
        self.check_owner()
        buf = io.BytesIO()
        np.savez(buf, **arrays)
        write_bytes(self.root, buf.getvalue(), *self.parts(name))
        return self.relative(name)

    def load_arrays(self, name: str) -> dict[str, np.ndarray]:
        with self.root.fs.open(self.path(name), "rb") as f:
            data = np.load(io.BytesIO(f.read()))
            return {k: data[k] for k in data.files}

    def sha256(self, name: str) -> str:
        return sha256_file(self.path(name), self.root.fs)
