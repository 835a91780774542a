"""The baseline for ``bench.py --http``: the smallest Flask app gunicorn can serve.

One route, a short HTML page, no database, no sessions. knowtrans' engagement page is measured
against it under the same gunicorn settings, so the ratio says what our page costs on top of
Flask and gunicorn themselves.
"""

from flask import Flask

app = Flask(__name__)

PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Minimal page</title></head>
<body><h1>Minimal page</h1><p>The baseline of the knowtrans benchmark.</p></body>
</html>
"""


@app.get("/")
def index() -> str:
    return PAGE
