"""Readers of external and bundled formats. Each returns validated domain records."""
