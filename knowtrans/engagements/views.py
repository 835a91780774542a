from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload

from knowtrans import permissions
from knowtrans.core import fragments
from knowtrans.core.pagination import paginate
from knowtrans.core.pipeline import load, saving
from knowtrans.engagements import operations
from knowtrans.engagements.forms import AdvanceForm, EngagementFilterForm, EngagementForm
from knowtrans.engagements.models import Engagement
from knowtrans.engagements.queries import (
    engagement_list,
    history_of,
    latest_history,
    plan_part_key,
)
from knowtrans.engagements.readiness_queries import (
    engagement_readiness,
    plan_loading_options,
    readiness_of_many,
)
from knowtrans.learning.queries import assignment_summaries
from knowtrans.permissions import Action, authorize, require
from knowtrans.reports.chart import readiness_chart_svg
from knowtrans.reports.data import chart_rows
from knowtrans.reports.queries import final_report_of
from knowtrans.users.models import User

bp = Blueprint("engagements", __name__)

#: the engagement page shows this many of the latest history events; the rest are on the
#: history page
HISTORY_LIMIT = 10


@bp.route("/engagements")
@login_required
def index():
    filters = EngagementFilterForm(request.args)
    filters.validate()
    query = engagement_list(current_user, status=filters.status_value, text=filters.search_text)
    pagination = paginate(query)
    readiness = readiness_of_many(pagination.items)
    rows = [(engagement, readiness[engagement.id][0]) for engagement in pagination.items]
    return render_template(
        "engagements/index.html",
        filters=filters,
        filtered=bool(filters.status_value or filters.search_text),
        pagination=pagination,
        rows=rows,
    )


@bp.route("/engagements/new", methods=["GET", "POST"])
@login_required
def new():
    require(permissions.can_manage_engagements(current_user))
    form = EngagementForm()
    if form.validate_on_submit():
        with saving(form):
            engagement = operations.create_engagement(
                **_engagement_values(form), actor=current_user
            )
            flash(
                _(
                    "Engagement “%(title)s” created. Next: add the skills to hand over.",
                    title=engagement.title,
                ),
                "success",
            )
            return redirect(url_for(".show", engagement_id=engagement.id))
    return render_template("engagements/form.html", form=form, engagement=None)


@bp.route("/engagements/<int:engagement_id>/edit", methods=["GET", "POST"])
@login_required
def edit(engagement_id: int):
    engagement = load(Engagement, engagement_id, joinedload(Engagement.expert))
    authorize(Action.EDIT_PLAN, engagement)
    form = EngagementForm(engagement=engagement)
    with saving(form, conflict_on=engagement, what="engagement") as save:
        if form.validate_on_submit():
            changed = operations.update_engagement(
                engagement,
                **_engagement_values(form),
                version=form.version.data,
                actor=current_user,
            )
            if changed:
                flash(_("Saved: %(fields)s.", fields=", ".join(changed)), "success")
            else:
                flash(_("Nothing was changed."), "info")
            return redirect(url_for(".show", engagement_id=engagement.id))
    return render_template(
        "engagements/form.html", form=form, engagement=engagement, conflict=save.conflict
    )


def _engagement_values(form: EngagementForm) -> dict[str, Any]:
    """The engagement as the form has it: the keyword arguments of creating and updating one."""
    return {
        "title": form.title.data,
        "expert": load(User, form.expert_id.data),
        "client": form.client.data,
        "project": form.project.data,
        "start_date": form.start_date.data,
        "planned_end_date": form.planned_end_date.data,
        "objectives": form.objectives.data,
    }


@bp.route("/engagements/<int:engagement_id>")
@login_required
def show(engagement_id: int):
    """The engagement. Its facts, readiness and plan are kept rendered per viewer while its
    data is unchanged; the banners and the history are read each time."""
    key = plan_part_key(engagement_id, current_user.id)
    plan = fragments.lookup(key)
    engagement = load(Engagement, engagement_id, *(() if plan else plan_loading_options()))
    authorize(Action.VIEW, engagement)
    final_report = final_report_of(engagement.id) if engagement.is_closed else None
    can_edit = permissions.can_edit_plan(current_user, engagement)
    if plan is None:
        plan = fragments.store(key, _render_plan(engagement, can_edit, final_report))
    history, more_history = latest_history(engagement.id, limit=HISTORY_LIMIT)
    return render_template(
        "engagements/show.html",
        engagement=engagement,
        plan=plan,
        history=history,
        more_history=more_history,
        can_edit=can_edit,
        can_report=permissions.can_generate_report(current_user),
        can_close=permissions.can_close_engagement(current_user, engagement),
        final_report=final_report,
    )


@bp.route("/engagements/<int:engagement_id>/history")
@login_required
def history(engagement_id: int):
    """Everything recorded about the engagement, newest first, a page at a time; whoever
    sees the engagement sees its history."""
    engagement = load(Engagement, engagement_id)
    authorize(Action.VIEW, engagement)
    return render_template(
        "engagements/history.html",
        engagement=engagement,
        pagination=paginate(history_of(engagement.id)),
    )


def _render_plan(engagement: Engagement, can_edit: bool, final_report: Any) -> str:
    readiness = engagement_readiness(engagement)
    return render_template(
        "engagements/_plan.html",
        engagement=engagement,
        readiness=readiness,
        rows=list(zip(engagement.plan_items, readiness.items, strict=True)),
        summaries=assignment_summaries(
            [a.id for item in engagement.plan_items for a in item.assignments]
        ),
        can_edit=can_edit,
        can_confirm=permissions.can_confirm_levels(current_user, engagement),
        final_report=final_report,
        readiness_chart=readiness_chart_svg(chart_rows(engagement.plan_items, readiness.items)),
    )


@bp.post("/engagements/<int:engagement_id>/advance")
@login_required
def advance(engagement_id: int):
    engagement = load(Engagement, engagement_id)
    authorize(Action.EDIT_PLAN, engagement)
    back = redirect(url_for(".show", engagement_id=engagement.id))
    form = AdvanceForm()
    if not form.validate_on_submit():
        flash(_("The status change could not be read; nothing changed. Please try again."), "error")
        return back
    following = engagement.status.next_status
    if following is None:
        flash(
            _(
                "“%(title)s” is in %(status)s; nothing changed.",
                title=engagement.title,
                status=engagement.status.label,
            ),
            "error",
        )
        return back
    if form.current.data != engagement.status.value:
        flash(
            _(
                "“%(title)s” is already %(status)s; nothing changed.",
                title=engagement.title,
                status=engagement.status.label,
            ),
            "warning",
        )
        return back
    with saving():
        operations.advance_status(engagement, actor=current_user)
        flash(
            _("“%(title)s” is now %(status)s.", title=engagement.title, status=following.label),
            "success",
        )
    return back
