"""One way to paginate a list page."""

from flask import current_app, request
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import Select

from knowtrans.extensions import db

#: beyond this a page number is a typo or a probe; it would only overflow the OFFSET
MAX_PAGE = 100_000


def page_number() -> int:
    """The ``?page=`` argument, clamped to 1..MAX_PAGE (junk counts as 1)."""
    return min(max(request.args.get("page", 1, type=int), 1), MAX_PAGE)


def paginate(query: Select) -> Pagination:
    return db.paginate(
        query, page=page_number(), per_page=current_app.config["PAGE_SIZE"], error_out=False
    )
