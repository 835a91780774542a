import re

import pytest
from hypothesis import given, settings

from knowtrans.core import markdown
from knowtrans.core.markdown import render_markdown
from tests.hostile_text import hostile_markdown


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
    assert "<h3>Where things live</h3>" in html
    assert "<h4>Gotchas</h4>" in html
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


# --- hostile nesting and parser failures (issue 12) ------------------------------------------

ORDINARY = (
    "## Where things live\n\n- `platform/clusters` in **git**\n- [wiki](https://wiki.example)\n"
)


def fresh_render(text: str) -> str:
    """What ``text`` renders to in a new process: a new converter, no cache."""
    markdown._local.__dict__.pop("converter", None)
    return str(markdown._render(text))


ORDINARY_HTML = fresh_render(ORDINARY)

DEEP = {
    "bullet list": "- " * 500 + "x",
    "numbered list": "1. " * 500 + "x",
    "block quote": ">" * 500 + " x",
    "block quote in the report's way": ">" * 136 + " x",
    "list in quotes": "> - " * 300 + "x",
    "indentation": "".join("    " * level + "- item\n" for level in range(200)),
    "indented code": "- a\n" + "".join("  " * level + "- b\n" for level in range(1, 300)),
    "link brackets": "[" * 3000 + "x" + "](https://a.example)" * 3000,
    "nested brackets": "[" * 10000 + "x" + "]" * 10000,
    "emphasis as HTML": "<em>" * 5000 + "x",
    "block quotes as HTML": "<blockquote>" * 2000 + "x",
    "table in deep quotes": "> " * 40 + "|a|b|\n" + "> " * 40 + "|-|-|\n",
    "a table of 60 columns": "|" + "a|" * 60 + "\n|" + "-|" * 60 + "\n",
    "a block of 10,000 lines": "a\n=\n" * 5000,
    "a list of 400 lines": "- item\n" * 400,
}


@pytest.mark.parametrize("text", DEEP.values(), ids=DEEP.keys())
def test_deep_nesting_of_every_kind_renders_as_plain_text(text):
    html = markdown._render(text)
    assert markdown.html_depth(html) <= 1
    assert html.startswith("<p>")
    assert html.striptags()[-1] == text.strip()[-1]  # the text is all there, as written


def test_nesting_within_the_cap_still_renders_as_markdown():
    nested = "".join("    " * level + "- level\n" for level in range(5))
    html = markdown._render(nested)
    assert html.count("<ul>") == 5
    assert markdown._render("> > quoted").count("<blockquote>") == 2
    assert markdown._render("[[x]](https://a.example)").count("<a ") == 1
    assert "<hr>" in markdown._render("- - - - - - - - - - - - - - - - -")
    assert markdown._render("- item\n" * 300).count("<li>") == 300
    assert markdown._render("```\n" + "code\n" * 1000 + "```").count("<pre>") == 1


def test_a_parser_failure_leaves_nothing_behind_for_the_next_text(monkeypatch):
    expected = fresh_render(ORDINARY)
    monkeypatch.setattr(markdown, "MAX_NESTING", 10_000)  # let the parser meet the deep list
    html = markdown._render("- " * 500 + "x")
    assert html == "<p>" + "- " * 500 + "x</p>"
    # the parser that failed half-way is gone: the next text renders as in a new process
    assert str(markdown._render(ORDINARY)) == expected


def test_any_parser_error_renders_the_text_escaped(monkeypatch):
    class Broken:
        def reset(self):
            return self

        def convert(self, text):
            raise ValueError("the parser gave up")

    markdown._local.__dict__.pop("converter", None)
    monkeypatch.setattr(markdown, "_new_converter", Broken)
    html = markdown._render("**bold** <script>alert(1)</script>")
    assert html == "<p>**bold** &lt;script&gt;alert(1)&lt;/script&gt;</p>"


def test_plain_text_keeps_paragraphs_and_line_breaks():
    html = markdown.plain_text("first line\nsecond <b>line</b>\n\n\nnew paragraph")
    assert html == "<p>first line<br>\nsecond &lt;b&gt;line&lt;/b&gt;</p>\n<p>new paragraph</p>"


def test_control_characters_cannot_reach_the_parsers_placeholders():
    # Python-Markdown marks stashed HTML with STX/ETX; typed ones must not pull it in
    html = str(markdown._render("`<b>`\n\n\x02wzxhzdk:0\x03 and \x02klzzwxh:0\x03 \u202eevil"))
    assert "\x02" not in html
    assert "\x03" not in html
    assert "\u202e" not in html
    assert html.count("<code>") == 1
    assert "\ufffd" in html


# --- fuzzing ---------------------------------------------------------------------------------

TAG = re.compile(r"</?([a-zA-Z][a-zA-Z0-9]*)")


@settings(max_examples=200, deadline=None)
@given(text=hostile_markdown)
def test_generated_markdown_renders_safely_and_leaves_no_trace(text):
    expected = ORDINARY_HTML
    html = markdown._render(text)
    assert {tag.lower() for tag in TAG.findall(html)} <= markdown.ALLOWED_TAGS
    assert markdown.html_depth(html) <= markdown.MAX_HTML_DEPTH
    assert not markdown.UNSAFE_CHARACTERS.search(html)
    assert str(markdown._render(ORDINARY)) == expected
    assert render_markdown(text) == html


def test_user_headings_never_skip_a_level():
    """The page's sections are h2: a text's headings start at h3 and go one level at a time,
    whatever levels the text itself jumps to (the Nu Html Checker's rule)."""
    html = render_markdown("## Setup\n\n##### Detail\n\n###### Deeper\n\n## Next")
    assert "<h3>Setup</h3>" in html
    assert "<h4>Detail</h4>" in html
    assert "<h5>Deeper</h5>" in html
    assert "<h3>Next</h3>" in html
