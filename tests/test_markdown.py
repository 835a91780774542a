import pytest

from knowtrans.core import markdown
from knowtrans.core.markdown import render_markdown


def test_markdown_renders_formatting_and_links():
    html = render_markdown("**Runbook** at [wiki](https://wiki.example.internal/runbooks)")
    assert "<strong>Runbook</strong>" in html
    assert 'href="https://wiki.example.internal/runbooks"' in html
    assert "noopener" in html


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="file:///etc/passwd">x</a>',
        '<div onmouseover="alert(1)">hover</div>',
        "<iframe src=https://evil.example></iframe>",
        '<p style="background:url(https://evil.example)">x</p>',
    ],
)
def test_hostile_markdown_is_rendered_harmless(hostile):
    html = render_markdown(hostile).lower()
    for needle in (
        "<script",
        "onerror",
        "javascript:",
        "file:",
        "onmouseover",
        "<iframe",
        "style=",
    ):
        assert needle not in html


def test_empty_text_renders_nothing():
    assert render_markdown(None) == ""
    assert render_markdown("") == ""


def test_user_headings_sit_below_the_pages_own():
    html = render_markdown("# Where things live\n\n## Gotchas\n\n<h1>raw</h1>")
    assert "<h4>Where things live</h4>" in html
    assert "<h5>Gotchas</h5>" in html
    assert "<h1" not in html
    assert "raw" in html


def test_notes_are_converted_once_and_long_texts_are_not_kept():
    note = "## Where things live\n\n- `platform/clusters` <script>x</script>"
    markdown._cached.cache_clear()
    first, second = render_markdown(note), render_markdown(note)
    assert first == second
    assert "<script>" not in first
    assert markdown._cached.cache_info().hits == 1

    long_text = "word " * (markdown.CACHED_LENGTH // 5 + 1)
    assert render_markdown(long_text) == render_markdown(long_text)
    assert markdown._cached.cache_info().currsize == 1
