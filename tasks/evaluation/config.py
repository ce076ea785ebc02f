"""Typed configuration of the evaluation stage, and the metric names (one place; each metric's
facts are its registry entry, beside its code: metrics.py)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

# Metric names, as they appear in records and reports.
FID = "fid"
KID = "kid"
KID_STD = "kid_std"
PRECISION = "precision"
RECALL = "recall"
DENSITY = "density"
COVERAGE = "coverage"
MODE_ENTROPY = "mode_entropy_bits"
CLASSES_MISSING = "classes_missing"
CLASSIFIER_SCORE = "classifier_score"
TOP_CLASS_PROB = "top_class_probability"
IN_CLASS_SHARE = "in_class_share"
C2ST = "c2st_accuracy"
C2ST_P = "c2st_p_value"
FD_INF = "fd_inf"
COPY_RATE = "copy_rate"
DUPLICATE_RATE = "duplicate_rate"
NN1_MEDIAN = "nn1_mae_median"
CLOSER_THAN_TEST = "closer_than_test_p05"
COPY_THRESHOLD = "copy_threshold_mae"
DATA_COPYING = "data_copying_ct"
AUTHENTICITY = "authenticity"
MEMORISATION_GAP = "memorisation_gap"
EXTRACTOR_ACCURACY = "extractor_test_accuracy"
CONTROL_PASSED = "control_passed"
FALSE_ALARM_PREFIX = "false_alarm_rate_"  # + a flag: calibrate --repeats, on fresh images
PASS_RATE_PREFIX = "pass_rate_"  # + a control: calibrate --repeats
DETECTS_PREFIX = "detects_"  # + a control: 1 if the evaluation detects it at its N (power.py)
NEAR_DUPLICATE_SHARE = "near_duplicate_share"
FAR_FROM_REAL_SHARE = "far_from_real_share"
CLASS_SHARE_PREFIX = "class_share_"  # + the class: the share of samples predicted as it


def class_share(c: int) -> str:
    """The metric name of class ``c``'s share of the predicted classes."""
    return f"{CLASS_SHARE_PREFIX}{int(c)}"


class EvalConfig(BaseModel):
    """How samples are judged.

    Attributes:
        extractor: "domain" (the dataset's CNN classifier) or "inception" (needs weights).
        inception_weights: path of InceptionV3 no-top weights for the "inception" extractor.
        max_n: cap on samples (and held-out real images) compared; the same N is used for
            every model and for the real-data floor.
        kid_subsets, kid_subset_size: the random subsets (rows a side) whose spread is
            ``kid_std``, as torch-fidelity computes it; KID itself uses every pair
            (docs/evaluation.md).
        prdc_max: rows per side for precision/recall/density/coverage and the 1-NN C2ST
            (pairwise distances).
        bootstrap: resamples of the bootstrap intervals (0 or 1: no intervals).
        cells: k-means cells of the data-copying test C_T.
        classifier_epochs: epochs of the domain classifier (cached per dataset).
        classifier_min_steps: optimiser steps at least (more epochs for small training sets).
        power: state the evaluation's power: the known-case controls judged at its N
            (``detects_<control>`` rows, power.py); domain extractor only.
        seed: every subsampling seed.
    """

    model_config = ConfigDict(extra="forbid")

    extractor: str = "domain"
    inception_weights: str | None = None
    max_n: int = Field(default=10_000, ge=2)
    kid_subsets: int = Field(default=100, ge=0)
    kid_subset_size: int = Field(default=1000, ge=4)
    prdc_max: int = Field(default=2000, ge=10)
    bootstrap: int = Field(default=100, ge=0)
    cells: int = Field(default=10, ge=1)
    classifier_epochs: int = Field(default=10, ge=1)
    classifier_min_steps: int = Field(default=1200, ge=0)
    power: bool = True
    seed: int = 0


# Samples generated and classifier epochs per profile.
SAMPLES = {"smoke": 64, "quick": 2000, "lecture": 10_000}
_CLASSIFIER_EPOCHS = {"smoke": 1, "quick": 10, "lecture": 15}


def sample_count(profile: str, n: int | None = None) -> int:
    """Samples a generate stage writes: ``n``, else the profile's (2,000 for a custom one)."""
    return n or SAMPLES.get(profile, 2000)


def eval_config_for(profile: str, **overrides: object) -> EvalConfig:
    """The profile's evaluation config with ``overrides`` applied (smoke keeps KID tiny)."""
    base: dict[str, object] = {"classifier_epochs": _CLASSIFIER_EPOCHS.get(profile, 4)}
    if profile == "smoke":
        base.update(kid_subset_size=16, prdc_max=200, classifier_min_steps=0, bootstrap=20,
                    cells=3)
    base.update(overrides)
    return EvalConfig(**base)
