"""Image sets from anywhere: every accepted format reads back the same pixels, and every bad
image is a one-line error naming the file, exit code 2, before anything is written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from genflow.core.errors import InputError
from genflow.tasks.evaluation.images import load_images
from tests.test_cli import _run


@pytest.fixture
def digits(real_splits) -> np.ndarray:
    x, _ = real_splits["mnist"]["test"]
    return x[np.random.default_rng(0).permutation(len(x))[:12]]  # uint8 (12, 28, 28, 1)


def test_every_format_reads_the_same_pixels(digits: np.ndarray, tmp_path: Path) -> None:
    from PIL import Image

    want = digits.astype(np.float32) / 255.0
    np.save(tmp_path / "u8.npy", digits[..., 0])                       # (N, 28, 28) uint8
    np.save(tmp_path / "f.npy", want)                                  # (N, 28, 28, 1) float
    folder = tmp_path / "pngs"
    folder.mkdir()
    for i, img in enumerate(digits[..., 0]):
        Image.fromarray(img, mode="L").save(folder / f"{i:03d}.png")
    column = pa.array([bytes(img) for img in digits.reshape(len(digits), -1)], pa.binary(784))
    pq.write_table(pa.table({"image": column}), tmp_path / "s.parquet")
    for path in ("u8.npy", "f.npy", "pngs", "s.parquet"):
        got = load_images(tmp_path / path)
        assert got.shape == (12, 28, 28, 1) and got.dtype == np.float32, path
        np.testing.assert_allclose(got, want, atol=1e-7, err_msg=path)


@pytest.mark.parametrize(("name", "make", "message"), [
    ("shape.npy", lambda p: np.save(p, np.zeros((3, 32, 32), np.uint8)), "must be (N, 28, 28)"),
    ("nan.npy", lambda p: np.save(p, np.full((2, 28, 28), np.nan, np.float32)), "image 0 contains NaN"),
    ("range.npy", lambda p: np.save(p, np.full((2, 28, 28), 2.0, np.float32)), "must lie in [0, 1]"),
    ("empty.npy", lambda p: np.save(p, np.zeros((0, 28, 28), np.uint8)), "no images"),
    ("broken.npy", lambda p: p.write_bytes(b"not numpy"), "unreadable .npy"),
    ("ints.npy", lambda p: np.save(p, np.zeros((2, 28, 28), np.int64)), "uint8 or float"),
    ("images.txt", lambda p: p.write_text("x"), "not a .npy file"),
    ("noimage.parquet", lambda p: pq.write_table(pa.table({"x": [1]}), p), "no readable 'image'"),
])
def test_bad_images_are_one_line_errors(tmp_path: Path, name: str, make, message: str) -> None:
    path = tmp_path / name
    make(path)
    with pytest.raises(InputError, match=None) as e:
        load_images(path)
    assert str(path) in str(e.value) and message in str(e.value)


def test_bad_png_folder(tmp_path: Path) -> None:
    from PIL import Image

    (tmp_path / "a.png").write_bytes(b"\x89PNG broken")
    with pytest.raises(InputError, match="a.png: unreadable PNG"):
        load_images(tmp_path)
    (tmp_path / "a.png").unlink()
    Image.new("L", (30, 28)).save(tmp_path / "b.png")
    with pytest.raises(InputError, match="b.png: image is 30x28, not 28x28"):
        load_images(tmp_path)
    (tmp_path / "b.png").unlink()
    Image.new("RGB", (28, 28)).save(tmp_path / "c.png")
    with pytest.raises(InputError, match="c.png: not an 8- or 16-bit grayscale PNG"):
        load_images(tmp_path)
    (tmp_path / "c.png").unlink()
    wide = np.full((28, 28), 40000, np.uint16)  # 16-bit: scaled to 8 bits, not clipped
    Image.fromarray(wide).save(tmp_path / "d.png")
    assert Image.open(tmp_path / "d.png").mode == "I;16"
    assert load_images(tmp_path)[0, 0, 0, 0] == pytest.approx((40000 >> 8) / 255)


def test_cli_bad_images_exit_2_and_write_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.npy"
    np.save(bad, np.full((4, 28, 28), 1.5, np.float32))
    root = tmp_path / "root"
    env = {"PREFECT_API_URL": "http://127.0.0.1:9/api"}  # Prefect is never reached
    proc = _run(["evaluate", "--images", str(bad), "--dataset", "mnist", "--root", str(root)], env)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines()[-1] == (
        f"genflow: error: {bad}: float images must lie in [0, 1], got [1.5, 1.5]")
    assert not (root / "reports").exists()
    no_dataset = _run(["evaluate", "--images", str(bad), "--root", str(root)], env)
    assert no_dataset.returncode == 2 and "--images needs --dataset" in no_dataset.stderr
    both = _run(["evaluate", "--images", str(bad), "--model", "vae", "--dataset", "mnist",
                 "--root", str(root)], env)
    assert both.returncode == 2 and "exclude each other" in both.stderr
    classes = _run(["evaluate", "--images", str(bad), "--dataset", "mnist", "--classes", "1,x",
                    "--root", str(root)], env)
    assert classes.returncode == 2 and "--classes" in classes.stderr
    model_only = _run(["evaluate", "--images", str(bad), "--dataset", "mnist", "--set",
                       "train.steps=3", "--root", str(root)], env)
    assert model_only.returncode == 2 and "apply to a model" in model_only.stderr


def test_cli_bad_label_or_weights_exit_2_before_any_work(tmp_path: Path) -> None:
    """Good images, a bad name, label or extractor file: one line, exit 2, before ingest,
    extractor or Prefect (its API is unreachable here), and nothing written under the root."""
    good = tmp_path / "good.npy"
    np.save(good, np.zeros((12, 28, 28), np.uint8))
    root = tmp_path / "root"
    env = {"PREFECT_API_URL": "http://127.0.0.1:9/api"}
    escape = _run(["evaluate", "--images", str(good), "--dataset", "mnist", "--name", "../../etc",
                   "--root", str(root)], env)
    assert escape.returncode == 2, escape.stderr[-2000:]
    last = escape.stderr.strip().splitlines()
    assert len(last) == 1 and "label (--name) '../../etc' is not allowed" in last[0], last
    spaced = tmp_path / "my set.npy"
    np.save(spaced, np.zeros((12, 28, 28), np.uint8))
    stem = _run(["evaluate", "--images", str(spaced), "--dataset", "mnist", "--root", str(root)],
                env)
    assert stem.returncode == 2 and "give one with --name" in stem.stderr, stem.stderr[-2000:]
    weights = _run(["evaluate", "--images", str(good), "--dataset", "mnist", "--extractor",
                    "inception", "--inception-weights", str(tmp_path / "none.h5"),
                    "--root", str(root)], env)
    assert weights.returncode == 2 and "none.h5: inception weights file not found" in weights.stderr
    # only the (empty) Prefect home the CLI sets up; no dataset, model, report or run row
    assert [p.relative_to(root).as_posix() for p in root.rglob("*")] in ([], ["prefect"])


def test_flow_refuses_a_bad_label_before_ingest(tmp_path: Path) -> None:
    """The flow itself (as a deployment would call it) checks first: no dataset ingested."""
    from genflow.core.errors import PathEscapeError
    from genflow.flows.audit import check_images_request, evaluate_images
    from genflow.tasks.evaluation.config import eval_config_for

    good = tmp_path / "good.npy"
    np.save(good, np.zeros((12, 28, 28), np.uint8))
    with pytest.raises(PathEscapeError, match="'../../etc' is not allowed"):
        evaluate_images.fn(str(good), "mnist", "../../etc", root=str(tmp_path / "root"))
    assert not (tmp_path / "root" / "datasets").exists()
    config = eval_config_for("quick")
    with pytest.raises(PathEscapeError, match="'../x' is not allowed"):
        check_images_request(str(good), "mnist", "../x", None, config)
    with pytest.raises(InputError, match="dataset 'cifar' is not one of mnist, fashion_mnist"):
        check_images_request(str(good), "cifar", "ok", None, config)
    with pytest.raises(InputError, match=r"classes \[12\] must list classes between 0 and 9"):
        check_images_request(str(good), "mnist", "ok", [12], config)
    assert check_images_request(str(good), "mnist", "ok", [1], config).shape == (12, 28, 28, 1)
