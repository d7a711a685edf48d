"""Measured alternatives kept for the record (see bench/README.md); the app imports none of it."""
