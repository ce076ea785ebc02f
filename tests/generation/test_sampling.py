"""Batch sampling: seeded, independent of the batch size, bounded to one batch; the pictures."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from genflow.core.errors import InputError
from genflow.storage.root import resolve_root
from genflow.storage.samples import read_samples, write_samples
from genflow.tasks.generation import experiments
from genflow.tasks.generation.sampling import model_batches, noise_batches, pixel_batches
from genflow.tasks.models.gan_nets import build_mlp_generator
from genflow.tasks.training.profiles import make_spec


def test_noise_does_not_depend_on_batch_size() -> None:
    a = np.concatenate(list(noise_batches(1000, 8, seed=3, batch=128)))
    b = np.concatenate(list(noise_batches(1000, 8, seed=3, batch=1000)))
    np.testing.assert_array_equal(a, b)
    assert [len(z) for z in noise_batches(1000, 8, 3, 300)] == [300, 300, 300, 100]


def test_generator_samples_stream_to_parquet(tmp_path: Path) -> None:
    spec = make_spec("mlp_gan", profile="smoke")
    g = build_mlp_generator(spec.model)
    root = resolve_root(tmp_path)
    parts = ("samples", "mlp_gan", "run", "s.parquet")
    n, digest = write_samples(root, parts, model_batches(g, 1234, 5, 500, "symmetric"),
                              "mlp_gan", "run", 5)
    images = read_samples(root, "/".join(parts))
    assert n == 1234 and images.shape == (1234, 28, 28, 1) and images.dtype == np.uint8
    again = np.concatenate(list(model_batches(g, 1234, 5, 100, "symmetric")))
    np.testing.assert_array_equal(images, again)
    import pyarrow.parquet as pq

    meta = pq.ParquetFile(tmp_path / "samples/mlp_gan/run/s.parquet").metadata
    assert meta.num_row_groups == 3  # one per batch of 500: memory bounded by a batch
    assert len(digest) == 64


def test_pixel_batches_and_bad_counts() -> None:
    probs = np.zeros((28, 28, 256))
    probs[:, :, 7] = 1.0
    batches = list(pixel_batches(probs, 25, seed=0, batch=10))
    assert [len(b) for b in batches] == [10, 10, 5] and all((b == 7).all() for b in batches)
    with pytest.raises(InputError):
        list(pixel_batches(probs, 0, 0, 10))


def test_lecture_pictures_shapes() -> None:
    from genflow.tasks.models.autoencoder import build_decoder, build_encoder

    enc, dec = build_encoder(2), build_decoder(2, "sigmoid")
    image = np.random.default_rng(0).uniform(0, 1, (2, 28, 28, 1)).astype(np.float32)
    assert experiments.noise_sweep(enc, dec, image[:1]).shape == (20, 28, 28, 1)
    assert experiments.interpolation(enc, dec, image[:1], image[1:]).shape == (20, 28, 28, 1)
    assert experiments.manifold(dec, n=5).shape == (25, 28, 28, 1)
    png = experiments.latent_scatter_png(enc, image, np.array([1, 2]), "t")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert experiments.same_class_pair(np.array([4, 1, 2, 3, 4, 0, 4])) == (4, 6)
    assert experiments.same_class_pair(np.array([3, 1, 3, 0, 9, 2, 1])) == (0, 2)
    with pytest.raises(InputError, match="2-D latent"):
        experiments.manifold(build_decoder(8))


def test_a_latent_mixture_samples_its_components_at_any_batch_size() -> None:
    """Codes from two far-apart clusters: the fitted mixture's samples fall near the two
    centres in the clusters' shares (a single Gaussian would put them between), and the noise
    of sample i does not depend on the batch size."""
    from genflow.tasks.generation.sampling import latent_mixture

    rng = np.random.default_rng(0)
    codes = np.concatenate([rng.normal(-5, 0.3, (300, 4)), rng.normal(5, 0.3, (100, 4))])

    class Encoder:  # the encoder's predict, on codes standing for images
        @staticmethod
        def predict(x, batch_size=512, verbose=0):
            return x

    mixture = latent_mixture(Encoder, codes, seed=1, components=2)
    assert sorted(np.round(mixture[0], 2)) == [0.25, 0.75]
    z = np.concatenate(list(noise_batches(2000, 4, 3, 128, mixture)))
    again = np.concatenate(list(noise_batches(2000, 4, 3, 2000, mixture)))
    assert np.array_equal(z, again)
    near = np.abs(np.abs(z.mean(1)) - 5) < 1.5
    assert near.mean() > 0.99 and abs((z.mean(1) > 0).mean() - 0.25) < 0.03
