"""The health check load balancers and orchestrators ask."""

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify

from knowtrans.extensions import db

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """200 when the database answers, 503 otherwise. Needs no sign-in and tells no secrets."""
    try:
        db.session.execute(sa.text("SELECT 1"))
    except sa.exc.SQLAlchemyError:  # the pipeline rolls the session back: the answer is a 503
        current_app.logger.exception("health check: the database does not answer")
        return jsonify(status="unavailable", database="down"), 503
    return jsonify(status="ok", database="ok")
