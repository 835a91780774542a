from flask import Blueprint, render_template
from flask_login import current_user, login_required

from knowtrans.dashboard.queries import dashboard_for

bp = Blueprint("dashboard", __name__)


@bp.route("/")
@login_required
def index():
    """The start page: one section for each role the user holds."""
    return render_template("dashboard/index.html", dashboard=dashboard_for(current_user))
