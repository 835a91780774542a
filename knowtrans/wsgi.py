"""The WSGI entry point for gunicorn: ``gunicorn knowtrans.wsgi:app``."""

from knowtrans import create_app
from knowtrans.core import heap
from knowtrans.users.passwords import dummy_hash

app = create_app()
with app.app_context():
    # the dummy hash of failed sign-ins, made now: the worker's first attempt costs no more
    dummy_hash()
heap.settle()
