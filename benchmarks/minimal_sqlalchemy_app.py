"""The second baseline for ``bench.py --http``: the smallest page that reads the database.

One route, ``/engagements/<id>``: an engagement's title and its plan items' skills, read with
SQLAlchemy Core from the benchmark's database (``DATABASE_URL``) in two statements and put
into a short Jinja template. No sessions, no permissions, no ORM objects. knowtrans' engagement
page is measured against it under the same gunicorn settings, so the ratio says what the
page costs on top of Flask, SQLAlchemy and a database round trip.
"""

import os

import sqlalchemy as sa
from flask import Flask, abort, render_template_string

app = Flask(__name__)
engine = sa.create_engine(os.environ["DATABASE_URL"])

TITLE = sa.text("SELECT title FROM engagements WHERE id = :id")
SKILLS = sa.text(
    "SELECT plan_items.id, skills.name FROM plan_items JOIN skills ON skills.id = "
    "plan_items.skill_id WHERE plan_items.engagement_id = :id ORDER BY plan_items.id"
)

PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>{{ title }}</title></head>
<body><h1>{{ title }}</h1>
<ul>{% for item_id, skill in items %}<li id="item-{{ item_id }}">{{ skill }}</li>{% endfor %}</ul>
</body>
</html>
"""


@app.get("/engagements/<int:engagement_id>")
def engagement(engagement_id: int) -> str:
    with engine.connect() as connection:
        title = connection.scalar(TITLE, {"id": engagement_id})
        if title is None:
            abort(404)
        items = connection.execute(SKILLS, {"id": engagement_id}).all()
    return render_template_string(PAGE, title=title, items=items)
