"""Presentation: tables, progress and the `specsim` command line."""
