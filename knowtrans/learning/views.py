"""The learning log: a learner's assignments, an assignment's page, its entries."""

from itertools import groupby

from flask import (
    Blueprint,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required
from sqlalchemy.orm import joinedload
from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Response as BaseResponse

from knowtrans import permissions
from knowtrans.core.clock import utcnow
from knowtrans.core.concurrency import check_version
from knowtrans.core.formatting import format_date
from knowtrans.core.forms import ConfirmForm
from knowtrans.core.limits import require_budget, write_allowed
from knowtrans.core.pagination import paginate
from knowtrans.core.pipeline import load, saving
from knowtrans.core.urls import local_referrer
from knowtrans.engagements.models import Engagement
from knowtrans.learning import operations
from knowtrans.learning.forms import (
    EntryForm,
    HideEntriesForm,
    HideEntryForm,
    RecordedRangeForm,
    ShowHiddenActForm,
)
from knowtrans.learning.models import LearningEntry, OpenQuestion
from knowtrans.learning.queries import (
    HIDDEN_GROUPS,
    assignment_loading_options,
    assignment_summaries,
    assignments_of_learner,
    hidden_acts,
    learners_of,
    newest_entries_first,
    preview_hiding,
    recent_twin,
)
from knowtrans.permissions import Action, authorize, require
from knowtrans.plans.forms import PhaseForm
from knowtrans.plans.models import Assignment, PlanItem
from knowtrans.users.models import User

bp = Blueprint("learning", __name__)

#: what the pages of an entry and of a question read: up to the engagement
ENTRY = (
    joinedload(LearningEntry.assignment)
    .joinedload(Assignment.plan_item)
    .joinedload(PlanItem.engagement),
)
QUESTION = (
    joinedload(OpenQuestion.entry)
    .joinedload(LearningEntry.assignment)
    .joinedload(Assignment.plan_item)
    .joinedload(PlanItem.engagement),
)


@bp.route("/my/assignments")
@login_required
def my_assignments():
    require(permissions.can_learn(current_user))
    query = assignments_of_learner(current_user.id)
    pagination = paginate(query)
    assignments = list(pagination.items)
    groups = [
        (engagement, list(group))
        for engagement, group in groupby(assignments, key=lambda a: a.plan_item.engagement)
    ]
    return render_template(
        "learning/my_assignments.html",
        pagination=pagination,
        groups=groups,
        summaries=assignment_summaries([assignment.id for assignment in assignments]),
    )


@bp.route("/assignments/<int:assignment_id>")
@login_required
def assignment(assignment_id: int):
    """The assignment and its learning log; ``?hidden=1`` lists the entries a lead hid."""
    assignment = load(Assignment, assignment_id, *assignment_loading_options())
    authorize(Action.VIEW, assignment)
    show_hidden = request.args.get("hidden") == "1"
    pagination = paginate(newest_entries_first(assignment.id, hidden=show_hidden))
    summary = assignment_summaries([assignment.id])[assignment.id]
    engagement = assignment.plan_item.engagement
    may_manage = permissions.can_edit_plan(current_user, engagement)
    return render_template(
        "learning/assignment.html",
        assignment=assignment,
        plan_item=assignment.plan_item,
        engagement=engagement,
        pagination=pagination,
        summary=summary,
        show_hidden=show_hidden,
        hidden_groups=hidden_acts(
            LearningEntry.assignment_id == assignment.id, limit=HIDDEN_GROUPS, newest_first=True
        )
        if summary.hidden
        else [],
        may_resolve=permissions.can_resolve_questions(current_user, assignment),
        may_hide=permissions.can_hide_entries(current_user, engagement),
        phase_form=PhaseForm(phase=assignment.phase.value) if may_manage else None,
    )


@bp.route("/assignments/<int:assignment_id>/entries/new", methods=["GET", "POST"])
@login_required
def new_entry(assignment_id: int):
    assignment = load(Assignment, assignment_id, *assignment_loading_options(history=False))
    authorize(Action.RECORD, assignment)
    form = EntryForm()
    if form.validate_on_submit():
        details = form.details()
        if twin := recent_twin(assignment.id, details):
            # sent twice (the back button, then submit again): nothing new to record
            flash(_("This learning entry is recorded already; nothing was added."), "info")
            return redirect(_entry_url(twin))
        if write_allowed(current_user, form):
            with saving(form):
                entry = operations.create_entry(assignment, details, actor=current_user)
                flash(_("Your learning entry is recorded."), "success")
                return redirect(_entry_url(entry))
    return render_template("learning/entry_form.html", form=form, assignment=assignment)


@bp.route("/entries/<int:entry_id>/edit", methods=["GET", "POST"])
@login_required
def edit_entry(entry_id: int):
    entry = _editable_entry(entry_id)
    if isinstance(entry, BaseResponse):
        return entry
    assignment = entry.assignment
    initial = None
    if request.method == "GET":
        initial = {
            "date": entry.date,
            "activity": entry.activity,
            "minutes": entry.minutes,
            "learned": entry.learned,
            "evidence": "\n".join(link.url for link in entry.evidence_links),
            "self_level": entry.self_level,
            "questions": "\n".join(question.text for question in entry.questions),
            "version": entry.version,
        }
    form = EntryForm(data=initial)
    with saving(form, conflict_on=entry, what=_("learning entry")) as save:
        if form.validate_on_submit() and write_allowed(current_user, form):
            operations.update_entry(
                entry, form.details(), version=form.version.data, actor=current_user
            )
            flash(_("Your learning entry is updated."), "success")
            return redirect(_entry_url(entry))
    return render_template(
        "learning/entry_form.html",
        form=form,
        assignment=assignment,
        entry=entry,
        conflict=save.conflict,
    )


@bp.post("/entries/<int:entry_id>/delete")
@login_required
def delete_entry(entry_id: int):
    entry = _editable_entry(entry_id)
    if isinstance(entry, BaseResponse):
        return entry
    assignment = entry.assignment
    if ConfirmForm().validate_on_submit():
        require_budget(current_user)
        operations.delete_entry(entry, actor=current_user)
        flash(_("The learning entry is deleted."), "success")
    return redirect(url_for(".assignment", assignment_id=assignment.id))


@bp.post("/questions/<int:question_id>/resolve")
@login_required
def resolve_question(question_id: int):
    question = load(OpenQuestion, question_id, *QUESTION)
    authorize(Action.RESOLVE_QUESTION, question)
    entry = question.entry
    if ConfirmForm().validate_on_submit():
        if question.is_resolved:
            flash(_("That question was already resolved."), "info")
        else:
            require_budget(current_user)
            operations.resolve_question(question, actor=current_user)
            flash(_("The question is marked resolved."), "success")
    return redirect(_entry_url(entry))


@bp.route("/entries/<int:entry_id>/hide", methods=["GET", "POST"])
@login_required
def hide_entry(entry_id: int):
    """A CTO or IT lead hides one entry, with a reason the learner sees."""
    entry = load(LearningEntry, entry_id, *ENTRY)
    authorize(Action.HIDE_ENTRIES, entry)
    if entry.is_hidden:
        flash(_("This learning entry is hidden already."), "info")
        return redirect(_entry_url(entry, hidden=True))
    form = HideEntryForm(data={"version": entry.version} if request.method == "GET" else None)
    with saving(form, conflict_on=entry, what=_("learning entry")) as save:
        if form.validate_on_submit() and write_allowed(current_user, form):
            check_version(entry, form.version.data)
            operations.hide_entry(entry, reason=form.reason.data, actor=current_user)
            if form.erase.data:
                operations.erase_entry_text(entry, actor=current_user)
                flash(
                    _("The learning entry is hidden and its text erased; the learner sees why."),
                    "success",
                )
            else:
                flash(_("The learning entry is hidden; the learner sees why."), "success")
            return redirect(url_for(".assignment", assignment_id=entry.assignment_id))
    return render_template(
        "learning/hide_entry.html", form=form, entry=entry, conflict=save.conflict
    )


@bp.post("/entries/<int:entry_id>/show")
@login_required
def show_entry(entry_id: int):
    """Undo hiding an entry."""
    entry = load(LearningEntry, entry_id, *ENTRY)
    authorize(Action.HIDE_ENTRIES, entry)
    if ConfirmForm().validate_on_submit():
        if not entry.is_hidden:  # another tab, or another lead, was first
            flash(_("The learning entry is shown already."), "info")
            return redirect(_entry_url(entry))
        require_budget(current_user)
        with saving() as save:
            operations.show_entry(entry, actor=current_user)
        if save.refusal:
            return redirect(_entry_url(entry))
        flash(_("The learning entry is shown again and counts again."), "success")
        if assignment_summaries([entry.assignment_id])[entry.assignment_id].hidden:
            return redirect(url_for(".assignment", assignment_id=entry.assignment_id, hidden="1"))
    return redirect(_entry_url(entry))


@bp.post("/entries/<int:entry_id>/erase")
@login_required
def erase_entry(entry_id: int):
    """Erase the text, links and questions of a hidden entry for good."""
    entry = load(LearningEntry, entry_id, *ENTRY)
    authorize(Action.HIDE_ENTRIES, entry)
    if ConfirmForm().validate_on_submit():
        if entry.text_erased:  # another tab, or another lead, was first
            flash(_("The text of this entry was erased already."), "info")
            return redirect(_entry_url(entry))
        require_budget(current_user)
        with saving():
            operations.erase_entry_text(entry, actor=current_user)
            flash(_("The text, links and questions of the entry are erased."), "success")
    return redirect(_entry_url(entry))


@bp.route("/engagements/<int:engagement_id>/entries/hide", methods=["GET", "POST"])
@login_required
def hide_entries(engagement_id: int):
    """Hide a learner's entries recorded in a time range, in bulk, with one reason.

    A GET with a learner previews what would be hidden as of now; the POST hides exactly
    that: entries recorded after the preview stay visible.
    """
    engagement = _engagement_to_hide_in(engagement_id)
    learners = learners_of(engagement.id)
    if request.method == "POST":
        range_form = RecordedRangeForm(formdata=request.form, learners=learners)
        form = HideEntriesForm(learners=learners)
        if form.validate_on_submit() and write_allowed(current_user, form):
            learner = load(User, form.learner.data)
            recorded_from, recorded_until = form.range()
            previewed_at = form.previewed_at.data or utcnow()  # validated: not None
            count = operations.hide_entries(
                engagement.id,
                learner,
                recorded_from=recorded_from,
                recorded_until=min(recorded_until, previewed_at),
                reason=form.reason.data,
                actor=current_user,
            )
            if count:
                flash(
                    ngettext(
                        "%(num)d learning entry of %(learner)s hidden; the learner sees why.",
                        "%(num)d learning entries of %(learner)s hidden; the learner sees why.",
                        count,
                        learner=learner.name,
                    ),
                    "success",
                )
            else:
                flash(
                    _("No visible entry of %(learner)s was left to hide.", learner=learner.name),
                    "info",
                )
            return redirect(url_for("engagements.show", engagement_id=engagement.id))
        previewed_at = form.previewed_at.data or utcnow()
    else:
        range_form = RecordedRangeForm(
            formdata=_with_default_range(request.args), learners=learners
        )
        form = HideEntriesForm(formdata=None, data=range_form.data, learners=learners)
        form.previewed_at.data = previewed_at = utcnow()
    chosen = "learner" in (request.form if request.method == "POST" else request.args)
    preview = None
    if chosen and range_form.validate():
        start, end = range_form.range()
        preview = preview_hiding(
            engagement.id, range_form.learner.data, start, min(end, previewed_at)
        )
    return render_template(
        "learning/hide_entries.html",
        range_form=range_form,
        form=form,
        engagement=engagement,
        preview=preview,
        learner_name=dict(learners).get(range_form.learner.data),
    )


@bp.post("/engagements/<int:engagement_id>/entries/show")
@login_required
def show_hidden_act(engagement_id: int):
    """Show again every entry of one learner that one act of hiding hid."""
    engagement = _engagement_to_hide_in(engagement_id)
    form = ShowHiddenActForm(learners=learners_of(engagement.id))
    if form.validate_on_submit():
        require_budget(current_user)
        learner = load(User, form.learner.data)
        hidden_at = form.hidden_at.data
        assert hidden_at is not None  # validated by the form
        count = operations.show_hidden_act(
            engagement.id, learner, hidden_at=hidden_at, actor=current_user
        )
        if count:
            flash(
                ngettext(
                    "%(num)d learning entry of %(learner)s shown again; it counts again.",
                    "%(num)d learning entries of %(learner)s shown again; they count again.",
                    count,
                    learner=learner.name,
                ),
                "success",
            )
        else:  # another tab, or another lead, was first
            flash(
                _("These entries of %(learner)s are shown already.", learner=learner.name), "info"
            )
    return redirect(local_referrer() or url_for("engagements.show", engagement_id=engagement.id))


def _engagement_to_hide_in(engagement_id: int) -> Engagement:
    engagement = load(Engagement, engagement_id)
    authorize(Action.HIDE_ENTRIES, engagement)
    return engagement


def _with_default_range(args: MultiDict) -> MultiDict:
    """The query string, the range from the start of today to now (UTC) where it has none."""
    now = utcnow().replace(second=0, microsecond=0)
    formdata = MultiDict(
        {
            "recorded_from": now.replace(hour=0, minute=0).strftime("%Y-%m-%dT%H:%M"),
            "recorded_until": now.strftime("%Y-%m-%dT%H:%M"),
        }
    )
    for key in ("learner", "recorded_from", "recorded_until"):
        if key in args:
            formdata.setlist(key, args.getlist(key))
    return formdata


def _hidden_meanwhile(entry: LearningEntry) -> BaseResponse:
    """The learner meets an entry of theirs a lead has hidden (perhaps while they edited it):
    say who hid it and why; a save sent from the edit form keeps what they typed (409)."""
    facts = {"date": format_date(entry.hidden_at), "reason": entry.hidden_reason}
    if entry.hidden_by:
        message = _(
            "%(name)s hid this entry on %(date)s: “%(reason)s”. A hidden entry can no longer be "
            "changed or deleted.",
            name=entry.hidden_by.name,
            **facts,
        )
    else:
        message = _(
            "A lead hid this entry on %(date)s: “%(reason)s”. A hidden entry can no longer be "
            "changed or deleted.",
            **facts,
        )
    if request.method == "POST" and request.endpoint == "learning.edit_entry":
        form = EntryForm()
        form.form_errors.append(
            message + " " + _("What you typed is below: copy what you still need.")
        )
        page = render_template(
            "learning/entry_form.html",
            form=form,
            assignment=entry.assignment,
            entry=entry,
            locked=True,
        )
        return make_response(page, 409)
    flash(message, "warning")
    return redirect(_entry_url(entry, hidden=True))


def _editable_entry(entry_id: int) -> LearningEntry | BaseResponse:
    """404 when the user cannot see the engagement, 403 when the entry is not theirs to edit;
    for its learner, an entry a lead hid answers why it cannot be changed."""
    entry = load(LearningEntry, entry_id, *ENTRY)
    if entry.is_hidden and entry.assignment.learner_id == current_user.id:
        authorize(Action.VIEW, entry)
        return _hidden_meanwhile(entry)
    authorize(Action.EDIT_ENTRY, entry)
    return entry


def _entry_url(entry: LearningEntry, *, hidden: bool = False) -> str:
    return url_for(
        ".assignment",
        assignment_id=entry.assignment_id,
        hidden="1" if hidden or entry.is_hidden else None,
        _anchor=f"entry-{entry.id}",
    )
