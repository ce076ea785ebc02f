"""The run folder's claim: a stale attempt cannot write once a newer one claimed the folder."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from genflow.core.errors import Superseded
from genflow.storage.root import resolve_root
from genflow.storage.runs import RunStore


def test_a_newer_claim_fences_every_write_of_the_older(tmp_path: Path) -> None:
    base = RunStore.for_run(resolve_root(str(tmp_path)), "mlp_gan", "mnist", "ab" * 16)
    old = base.claim("attempt 1")
    old.save_checkpoint(10, {"v0000": np.zeros(3)})
    old.write_history([(10, "g_loss", 1.0)])
    new = base.claim("attempt 2")
    assert base.owner()["holder"] == "attempt 2" and new.token != old.token
    before = {p.name: p.read_bytes() for p in Path(base.path()).iterdir()}
    writes = [lambda: old.save_checkpoint(20, {"v0000": np.ones(3)}),
              lambda: old.write_history([(20, "g_loss", 2.0)]),
              lambda: old.write_grid(20, b"png"),
              lambda: old.save_arrays("pixel.npz", h=np.ones(2)),
              lambda: old.save_record("{}")]
    for write in writes:
        with pytest.raises(Superseded, match="claimed by a later attempt \\(attempt 2\\)"):
            write()
    assert {p.name: p.read_bytes() for p in Path(base.path()).iterdir()} == before
    new.save_checkpoint(20, {"v0000": np.ones(3)})  # the owner writes on
    assert new.load_checkpoint()[0] == 20
    base.save_record("{}")  # an unclaimed store (readers, tools) is not fenced


def test_a_superseded_attempt_is_never_retried() -> None:
    from genflow.tasks.task_policies import retry_unless_bad_input

    class State:
        def __init__(self, error: Exception) -> None:
            self.error = error

        def result(self):
            raise self.error

    try:  # the lease release failing on the way out must not hide the supersession
        try:
            raise Superseded("models/x: claimed by a later attempt")
        except Superseded as e:
            raise RuntimeError("lease not found") from e
    except RuntimeError as chained:
        assert retry_unless_bad_input(None, None, State(chained)) is False
    assert retry_unless_bad_input(None, None, State(OSError("S3 read timed out"))) is True
