"""Crosswalk engine: a relation algebra over typed mappings, inference along paths and consistency checks."""
