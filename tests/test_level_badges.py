"""Level badges: the number says the level, the colour how it stands against the target
(met, below, or neutral without one); a self-assessed level looks different and says so."""

import re

import pytest
from flask import render_template_string
from flask_babel import force_locale

BADGE = re.compile(
    r'<span class="level ([^"]*)" title="([^"]*)"(?: data-level="(\d)")?>(.*?)</span>$'
)


def badge(app, *args, **kwargs) -> tuple[set[str], str, str]:
    """The badge's classes, title and visible text."""
    with app.test_request_context():
        html = render_template_string(
            '{% from "macros/forms.html" import level_badge %}{{ level_badge(*args, **kwargs) }}',
            args=args,
            kwargs=kwargs,
        )
    match = BADGE.match(html.strip())
    assert match, html
    return set(match[1].split()), match[2], match[4]


@pytest.mark.parametrize(
    ("level", "target", "state"),
    [(4, 3, "level-met"), (3, 3, "level-met"), (2, 3, "level-below"), (5, None, "level-neutral")],
)
def test_the_colour_says_met_or_below_the_target(app, level, target, state):
    classes = badge(app, level, target)[0]
    assert state in classes
    assert {"level-met", "level-below", "level-neutral"} & classes == {state}
    assert not any(re.fullmatch(r"level-\d", name) for name in classes)  # no colour per number


def test_the_number_says_the_level(app):
    for level, name in ((2, "Advanced beginner"), (4, "Proficient")):
        _, _, text = badge(app, level, 3)
        assert text == f"{level} · {name}"


def test_the_target_itself_is_neutral(app):
    classes, title, text = badge(app, 4, kind="target")
    assert "level-neutral" in classes
    assert title == "Target level 4 · Proficient"
    assert text == "4 · Proficient"
    # a target passed along changes nothing
    assert badge(app, 4, 2, kind="target")[0] == classes


def test_the_title_says_how_it_stands(app):
    assert badge(app, 3, 4)[1] == (
        "Confirmed level 3 · Competent: below the target level 4 · Proficient"
    )
    assert badge(app, 4, 4)[1] == (
        "Confirmed level 4 · Proficient: reaches the target level 4 · Proficient"
    )
    assert badge(app, 2)[1] == "Confirmed level 2 · Advanced beginner"


def test_a_self_assessed_level_is_marked_as_such(app):
    classes, title, _ = badge(app, 3, 4, kind="self")
    assert {"level-self", "level-below"} <= classes
    assert title.startswith("Self-assessed level 3 · Competent")
    assert "level-self" not in badge(app, 3, 4)[0]


def test_no_level_is_a_dash(app):
    classes, title, text = badge(app, None, 3)
    assert "level-none" in classes
    assert not {"level-met", "level-below"} & classes
    assert (title, text) == ("Not confirmed yet", "—")
    assert badge(app, None, 3, kind="self")[1] == "No self-assessment yet"


def test_the_short_badge_shows_the_number_and_tells_screen_readers_the_rest(app):
    with app.test_request_context():
        html = render_template_string(
            '{% from "macros/forms.html" import level_badge %}'
            "{{ level_badge(2, 3, kind='self', short=True) }}"
        )
    assert '<span aria-hidden="true">2</span>' in html
    assert (
        '<span class="sr-only">Self-assessed level 2 · Advanced beginner: '
        "below the target level 3 · Competent</span>"
    ) in html
    assert "level-short" in html


def test_badges_in_german(app):
    with app.test_request_context(), force_locale("de"):
        html = render_template_string(
            '{% from "macros/forms.html" import level_badge %}'
            "{{ level_badge(2, 3) }}|{{ level_badge(4, 3, kind='self') }}|"
            "{{ level_badge(3, kind='target') }}|{{ level_badge(None) }}"
        )
    assert (
        'title="Bestätigte Stufe 2 · Fortgeschrittener Anfänger: unter der Zielstufe 3 · Kompetent"'
        in html
    )
    assert 'title="Selbsteinschätzung 4 · Erfahren: erreicht die Zielstufe 3 · Kompetent"' in html
    assert 'title="Zielstufe 3 · Kompetent"' in html
    assert 'title="Noch nicht bestätigt"' in html
