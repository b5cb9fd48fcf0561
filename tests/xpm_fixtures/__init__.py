"""Tasks used by the tests (importable by job processes: tests/ is on their path)."""
