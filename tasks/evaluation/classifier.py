"""The domain feature extractor: a small CNN classifier trained on the dataset's training split.

Its penultimate layer (128 ReLU units) gives the features for FID and its companions; its
softmax gives class probabilities for mode coverage and the classifier score. Inputs float32
(batch, 28, 28, 1) in [0, 1].
"""

from __future__ import annotations

from typing import Any

import numpy as np

FEATURE_DIM = 128


def build_domain_classifier(num_classes: int = 10) -> Any:
    """Conv32-pool-Conv64-pool-Dense128(features)-Dropout-Dense(num_classes) softmax; the model
    has two outputs, [features (batch, 128), probabilities (batch, num_classes)]."""
    import keras
    from keras import layers

    x_in = keras.Input((28, 28, 1), name="image")
    x = layers.Conv2D(32, 3, padding="same", activation="relu")(x_in)
    x = layers.MaxPooling2D()(x)
    x = layers.Conv2D(64, 3, padding="same", activation="relu")(x)
    x = layers.MaxPooling2D()(x)
    x = layers.Flatten()(x)
    features = layers.Dense(FEATURE_DIM, activation="relu", name="features")(x)
    x = layers.Dropout(0.3)(features)
    probs = layers.Dense(num_classes, activation="softmax", name="probs", dtype="float32")(x)
    return keras.Model(x_in, [features, probs], name="domain_classifier")


SMALL = 20_000  # training sets below this are augmented (the 4,000-digit MNIST sample)


def train_domain_classifier(x_train: np.ndarray, y_train: np.ndarray, x_test: np.ndarray,
                            y_test: np.ndarray, epochs: int, batch_size: int = 128,
                            seed: int = 0, min_steps: int = 0) -> tuple[Any, float]:
    """Train on (x_train, y_train) and return (model, accuracy on the test split).

    At least ``min_steps`` optimiser steps are taken (epochs are raised for small training
    sets), and small training sets are shifted by up to 2 pixels during training only
    (RandomTranslation): the 4,000-digit sample needs both to reach 97 %. Fashion images are
    not shifted (it costs them accuracy).

    Training runs under the device's mixed precision (bfloat16 on a CPU that has it: 1.9x
    faster here; the device's default, not a model's train.mixed_precision); the returned model
    is a float32 copy of the trained weights, so features are always extracted in float32.
    """
    import math

    import keras
    import tensorflow as tf

    from genflow.tasks.data.batches import STEPS_PER_CALL, lean, shuffled_batches
    from genflow.tasks.training.devices import choose_policy, global_policy

    keras.utils.set_random_seed(seed)
    epochs = max(epochs, math.ceil(min_steps * batch_size / max(len(x_train), 1)))
    # whole compiled calls (an endless dataset would round the last one up)
    per_epoch = math.ceil(len(x_train) / batch_size)
    steps = math.ceil(epochs * per_epoch / STEPS_PER_CALL) * STEPS_PER_CALL
    policy = choose_policy("auto", len(tf.config.list_physical_devices("GPU")))
    with global_policy(policy):
        trained = build_domain_classifier()
        x_in = keras.Input((28, 28, 1))
        x = x_in
        if len(x_train) < SMALL:
            x = keras.layers.RandomTranslation(0.08, 0.08, fill_mode="constant", seed=seed)(x)
        trainer = keras.Model(x_in, trained(x)[1])
        # Keras wraps the optimiser in a LossScaleOptimizer itself under mixed_float16
        trainer.compile(optimizer=keras.optimizers.Adam(1e-3),
                        loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                        steps_per_execution=STEPS_PER_CALL)
        data = lean(shuffled_batches(x_train, batch_size, seed, y=y_train.astype(np.int64)))
        trainer.fit(data, steps_per_epoch=steps, epochs=1, verbose=0, shuffle=False)
    model = build_domain_classifier()  # float32 (the policy is restored)
    model.set_weights(trained.get_weights())
    _, probs = extract(model, x_test)
    return model, float((probs.argmax(1) == y_test).mean())


def extract(model: Any, images: np.ndarray, batch_size: int = 512) -> tuple[np.ndarray, np.ndarray]:
    """(features float64 (n, 128), probabilities float64 (n, classes)) in batches."""
    from genflow.tasks.data.batches import in_order

    feats, probs = model.predict(in_order(images, batch_size), verbose=0)
    return np.asarray(feats, np.float64), np.asarray(probs, np.float64)
