"""URL converters."""

from werkzeug.routing import IntegerConverter

#: the largest id an integer primary key holds on every supported database
MAX_ID = 2**31 - 1


class DatabaseIdConverter(IntegerConverter):
    """``<int:…>`` in this app: an id beyond what the database can hold is a 404, not a 500."""

    def __init__(self, url_map, *args, **kwargs):
        kwargs.setdefault("max", MAX_ID)
        super().__init__(url_map, *args, **kwargs)
