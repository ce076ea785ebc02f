"""Owns every path and file format: the artifact root, atomic writes, hashes and Parquet IO.

Nothing outside this package builds a path below the root or opens an artifact directly, so a
remote root (an fsspec URL such as ``s3://bucket/genflow``) is a change inside storage/ only.
"""
