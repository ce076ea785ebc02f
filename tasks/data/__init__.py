"""Ingestion: locate raw MNIST / Fashion-MNIST, validate, normalise, store."""
