"""genflow: Prefect pipelines for the lecture's generative models (see README.md)."""

__version__ = "0.1.0"
