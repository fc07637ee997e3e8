"""Yimen (一门): the platform for running a government service center."""
