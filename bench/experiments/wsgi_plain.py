"""EXPERIMENT: `wsgi:app` with the plain FTS5 search switched on (`fts5_search.enable()`),
for gunicorn against a database carrying `migration_0009_fts5_external_content`."""

from bench.experiments import fts5_search
from wsgi import app

fts5_search.enable()

__all__ = ["app"]
