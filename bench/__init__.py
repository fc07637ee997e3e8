"""Yimen's benchmark suite: `make bench` (or `.venv/bin/python -m bench`); see bench/README.md."""
