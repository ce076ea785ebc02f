"""Reporting: analyst tables (Parquet), a self-contained HTML report, Prefect artifacts."""
