"""The WSGI entry point for gunicorn: ``gunicorn knowtrans.wsgi:app``."""

from knowtrans import create_app
from knowtrans.core import heap

app = create_app()
heap.settle()
