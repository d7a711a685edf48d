"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

from expenses_app import create_app

app = create_app()
