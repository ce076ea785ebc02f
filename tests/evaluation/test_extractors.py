"""Feature extractors: the domain classifier reaches its accuracy goals on real data; the
InceptionV3 extractor loads user-supplied weights and refuses to run without them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from genflow.core.errors import ConfigError
from genflow.tasks.evaluation.classifier import FEATURE_DIM, train_domain_classifier
from genflow.tasks.evaluation.extractors import check_extractor_name, load_inception


@pytest.mark.slow
def test_domain_classifier_accuracy_goals(real_splits) -> None:
    from genflow.tasks.data.normalise import scale
    from genflow.tasks.evaluation.splits import reference_mask

    accuracies = {}
    # Fashion-MNIST's goal (>= 0.90) is checked where its extractor is trained anyway:
    # tests/evaluation/test_calibrate.py.
    for dataset, epochs in (("mnist", 10),):  # the quick profile
        (x, y), (xt, yt) = real_splits[dataset]["train"], real_splits[dataset]["test"]
        own = ~reference_mask(len(x), 0)  # the extractor's two thirds (splits.py)
        x, y = x[own], y[own]
        model, acc = train_domain_classifier(scale(x, "unit"), y, scale(xt, "unit"), yt,
                                             epochs=epochs, min_steps=1200)
        accuracies[dataset] = acc
        feats, probs = model.predict(scale(xt[:10], "unit"), verbose=0)
        assert feats.shape == (10, FEATURE_DIM) and probs.shape == (10, 10)
    assert accuracies["mnist"] >= 0.97, accuracies


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
