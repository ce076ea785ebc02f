"""The work of each stage: pure, typed functions plus thin Prefect @task wrappers."""
