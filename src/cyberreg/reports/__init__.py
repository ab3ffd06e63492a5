"""Renderings of service results as CSV, Markdown and self-contained HTML, for the CLI and the web."""
