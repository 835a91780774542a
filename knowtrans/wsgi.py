"""The WSGI entry point for gunicorn: ``gunicorn knowtrans.wsgi:app``."""

from knowtrans import create_app

app = create_app()
