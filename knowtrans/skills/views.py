from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("skills", __name__)


@bp.route("/skills")
@login_required
def index():
    return render_template("base.html")
