"""The live server's own promises (no browser needed)."""

from tests.browser.harness import closing_every_response


class FileLikeResponse:
    """A response iterable like a static file's: it holds something open until closed."""

    def __init__(self):
        self.closed = False

    def __iter__(self):
        yield b"<svg/>"

    def close(self):
        self.closed = True


def test_each_response_is_closed_before_the_server_sends_it():
    """A browser that drops the connection cannot leave a file open: by the time the server
    writes (and may fail to), the response is read and closed already."""
    responses = []

    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "image/svg+xml")])
        responses.append(FileLikeResponse())
        return responses[-1]

    body = closing_every_response(app)({}, lambda status, headers: None)

    assert responses[0].closed
    assert list(body) == [b"<svg/>"]
