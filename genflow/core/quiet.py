"""A quiet console: TensorFlow's C++ start-up lines are off by default (a user setting wins).

TensorFlow prints its C++ log lines straight to the stderr file descriptor, some of them
before ``TF_CPP_MIN_LOG_LEVEL`` is read ("Could not find cuda drivers", the absl notice), so
the CLI imports it once with that descriptor pointed at /dev/null. ``TF_CPP_MIN_LOG_LEVEL`` set
by the user, or ``GENFLOW_TF_LOGS=1``, keeps every line.
"""

from __future__ import annotations

import contextlib
import os
import sys

TF_LEVEL = "TF_CPP_MIN_LOG_LEVEL"
SHOW_ENV = "GENFLOW_TF_LOGS"


# Read once, before genflow sets any default: what the user asked for.
_USER_WANTS_LOGS = os.environ.get(SHOW_ENV) == "1" or TF_LEVEL in os.environ


def tensorflow_logs_wanted() -> bool:
    return _USER_WANTS_LOGS


def quiet_tensorflow_defaults() -> None:
    """Hide TensorFlow's C++ info, warning and error lines unless the user asked for them."""
    if not tensorflow_logs_wanted():
        os.environ[TF_LEVEL] = "3"


@contextlib.contextmanager
def _stderr_fd_silenced():
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def import_tensorflow_quietly() -> None:
    """Import TensorFlow (and Keras) now, without its C++ start-up lines on the console."""
    if "tensorflow" in sys.modules:
        return
    if tensorflow_logs_wanted():
        import keras  # noqa: F401
        return
    with _stderr_fd_silenced():
        import keras  # noqa: F401
        import tensorflow as tf

        tf.config.list_physical_devices("GPU")  # the cuInit line comes from the first device query
