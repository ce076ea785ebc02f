"""Evaluation: nearest-neighbour audit, features and metrics (FID and companions)."""
