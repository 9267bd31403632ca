"""WSGI entry point: `gunicorn wsgi:app`, `flask --app wsgi ...`."""

from advocacy import create_app

app = create_app()
