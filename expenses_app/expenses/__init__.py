# import_routes adds /expenses/import to `bp`; it lives in its own module so the
# list pages and the CSV import can grow (and be reviewed) separately.
from . import import_routes  # noqa: F401
from .routes import bp

__all__ = ["bp"]
