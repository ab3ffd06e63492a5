"""cyberreg: an open system for regulatory cooperation on cybersecurity."""

__version__ = "0.1.0"
