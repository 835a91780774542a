"""One way to paginate a list page."""

from typing import Any

from flask import abort, current_app, redirect, request, url_for
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select
from werkzeug.wrappers import Response as BaseResponse

from knowtrans.extensions import db

#: beyond this a page number is a typo or a probe; it would only overflow the OFFSET
MAX_PAGE = 100_000


def page_number() -> int:
    """The ``?page=`` argument, clamped to 1..MAX_PAGE (junk counts as 1)."""
    return min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)


def paginate(query: Select) -> Pagination:
    """The requested page of ``query``; a page number beyond the last answers with a redirect
    to the last page (a stale link after deletions, a typo), keeping the list's filters."""
    pagination = db.paginate(
        query, page=page_number(), per_page=current_app.config["PAGE_SIZE"], error_out=False
    )
    if last_page := past_the_end(pagination):
        abort(last_page)
    return pagination


def past_the_end(pagination: Pagination) -> BaseResponse | None:
    """A redirect to the last page when the page number is beyond it (a stale link after
    deletions, a typo); None otherwise. Keeps the page's other arguments (filters)."""
    if pagination.items or pagination.page == 1:
        return None
    path_values = request.view_args or {}
    # only plain query arguments: never a path value twice, never url_for's own _options
    arguments = {
        key: value
        for key, value in request.args.items()
        if key != "page" and key not in path_values and not key.startswith("_")
    }
    values: dict[str, Any] = {**path_values, **arguments, "page": max(pagination.pages, 1)}
    return redirect(url_for(request.endpoint or "dashboard.index", **values))
