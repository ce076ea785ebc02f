"""Orchestration only: one @flow per stage, the pipeline, and the chain helper. Only the CLI
and the flows themselves import flows."""

from genflow.core.quiet import quiet_tensorflow_defaults

# Workers import the flows before any TensorFlow: its C++ start-up lines stay off by default.
quiet_tensorflow_defaults()
