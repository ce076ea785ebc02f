"""Training: profiles, devices, the resumable training loop and its Prefect task."""
