from flask import Blueprint, render_template
from flask_login import login_required

bp = Blueprint("learning", __name__)


@bp.route("/my/assignments")
@login_required
def my_assignments():
    return render_template("base.html")
