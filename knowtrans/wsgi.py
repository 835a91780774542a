"""The WSGI entry point for gunicorn: ``gunicorn knowtrans.wsgi:app``."""

from knowtrans import create_app
from knowtrans.auth.passwords import dummy_hash
from knowtrans.core import heap

app = create_app()
with app.app_context():
    # the dummy hash of failed sign-ins, made now: the worker's first attempt costs no more
    dummy_hash()
heap.settle()
