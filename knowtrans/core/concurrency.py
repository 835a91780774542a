"""Optimistic locking: forms carry the version they were opened on; stale saves are refused."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms import HiddenField

from knowtrans.core.formatting import format_date
from knowtrans.core.urls import MAX_ID


class EditConflict(Exception):
    """The user edited an older version: someone else saved in between. Nothing was changed."""


def check_version(obj: Any, version: int | None) -> None:
    """Refuse an edit of ``obj`` made on another version than the one now stored.

    ``version`` is what the user's form was opened on (None when it could not be read). A save
    that slips in between this check and the UPDATE is caught by the models' version_id_col:
    the UPDATE matches no row and SQLAlchemy raises StaleDataError.
    """
    if version is None or version != obj.version:
        raise EditConflict()


def version_number(value: object) -> int | None:
    """A submitted version; anything that cannot be one is None."""
    try:
        number = int(str(value))
    except ValueError:
        return None
    return number if 0 < number <= MAX_ID else None


class VersionField(HiddenField):
    """The version of the object the form was opened on, for optimistic locking.

    A missing or unreadable value is None, which matches no version: the save is refused as a
    conflict rather than made blindly.
    """

    def process_formdata(self, valuelist: list) -> None:
        self.data = version_number(valuelist[0]) if valuelist else None


#: the object a conflict notice names, by the ``what`` the views pass to ``saving``
OBJECTS = {
    # Translators: the object of "… saved this … while you were editing" (accusative)
    "engagement": _l("this engagement"),
    # Translators: the object of "… saved this … while you were editing" (accusative)
    "plan item": _l("this plan item"),
    # Translators: the object of "… saved this … while you were editing" (accusative)
    "learning entry": _l("this learning entry"),
    # Translators: the object of "… saved this … while you were editing" (accusative)
    "skill": _l("this skill"),
    # Translators: the object of "… saved this … while you were editing" (accusative)
    "user": _l("this user"),
}


def _this_object(what: str) -> str:
    """The object of the headline in the reader's language: ``what`` "engagement" is "this
    engagement"; views may pass the English noun or its translation."""
    for noun, phrase in OBJECTS.items():
        if what in (noun, _(noun)):
            return str(phrase)
    return _("this %(what)s", what=what)


@dataclass(frozen=True)
class ConflictNotice:
    """Who saved an object while the user was editing it, for the message above the form."""

    what: str
    saved_by: str | None = None
    saved_at: datetime | None = None
    by_viewer: bool = False
    summary: str = ""

    @property
    def headline(self) -> str:
        """One sentence in the reader's language: who saved which object when."""
        this = _this_object(self.what)
        when = format_date(self.saved_at) if self.saved_at else None
        if self.by_viewer:
            if when:
                return _(
                    "You saved %(object)s on %(when)s in another tab, window or device.",
                    object=this,
                    when=when,
                )
            return _("You saved %(object)s in another tab, window or device.", object=this)
        who = self.saved_by or _("Someone else")
        if when:
            return _(
                "%(who)s saved %(object)s on %(when)s while you were editing.",
                who=who,
                object=this,
                when=when,
            )
        return _("%(who)s saved %(object)s while you were editing.", who=who, object=this)
