"""Orchestration only: one @flow per stage, the pipeline, and the chain helper. Only the CLI
and the flows themselves import flows."""
