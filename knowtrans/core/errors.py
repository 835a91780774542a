"""The domain error every operation raises when one of its rules forbids a change."""


class Refused(Exception):
    """A change the rules do not allow; the message says why, for the user.

    ``field`` names the form field the message belongs to, where there is one; the request
    pipeline (``knowtrans.core.pipeline.saving``) puts the message there.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field
