"""Feature extractors: the domain classifier reaches its accuracy goals on real data; the
InceptionV3 extractor loads user-supplied weights and refuses to run without them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from genflow.core.errors import ConfigError
from genflow.tasks.evaluation.classifier import FEATURE_DIM, train_domain_classifier
from genflow.tasks.evaluation.extractors import check_extractor_name, load_inception


def test_domain_classifier_features_and_probabilities(real_splits) -> None:
    """Shapes and ranges of a (briefly trained) domain classifier's outputs. Its accuracy goals
    are checked where the quick profile trains it anyway: Fashion-MNIST's (>= 0.90) in
    tests/evaluation/test_calibrate.py, MNIST's (>= 0.97) in
    tests/flows/test_compare_and_trends.py."""
    from genflow.tasks.data.normalise import scale

    (x, y), (xt, yt) = real_splits["mnist"]["train"], real_splits["mnist"]["test"]
    model, acc = train_domain_classifier(scale(x[::8], "unit"), y[::8], scale(xt, "unit"), yt,
                                         epochs=1, min_steps=0)
    assert 0.0 <= acc <= 1.0
    feats, probs = model.predict(scale(xt[::100], "unit"), verbose=0)
    assert feats.shape == (len(xt[::100]), FEATURE_DIM) and probs.shape == (len(xt[::100]), 10)
    assert feats.dtype == np.float32 and np.isfinite(feats).all()
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-4)


def test_inception_needs_weights(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="needs a weights file"):
        load_inception(None)
    with pytest.raises(ConfigError, match="not found"):
        load_inception(tmp_path / "missing.h5")
    with pytest.raises(ConfigError, match="not one of"):
        check_extractor_name("clip")


@pytest.mark.slow
def test_inception_from_a_local_weights_file(tmp_path: Path) -> None:
    import keras

    weights = tmp_path / "inception_notop.weights.h5"
    keras.applications.InceptionV3(include_top=False, weights=None, pooling="avg",
                                   input_shape=(299, 299, 3)).save_weights(weights)
    extractor = load_inception(weights)
    feats, probs = extractor.features(np.random.default_rng(0).uniform(0, 1, (3, 28, 28, 1))
                                      .astype(np.float32))
    assert feats.shape == (3, 2048) and probs is None and np.isfinite(feats).all()
