from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("users", __name__)


@bp.route("/admin/users")
@login_required
def index():
    return render_template("base.html")
