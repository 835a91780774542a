"""Hypothesis strategies for the text users write: Markdown nested deeper than anyone
types, long runs of markup characters, control and bidi characters, and ordinary prose."""

from hypothesis import strategies as st

#: every way Markdown nests, as (opening, closing) pieces repeated around a word
NESTING_KINDS = {
    "bullet list": ("- ", ""),
    "numbered list": ("1. ", ""),
    "block quote": ("> ", ""),
    "list in quote": ("> * ", ""),
    "emphasis": ("*", "*"),
    "strong": ("**", "**"),
    "underscore emphasis": ("_", "_"),
    "link": ("[", "](https://example.org)"),
    "bracket": ("[", "]"),
    "code span": ("`", "`"),
    "raw html quote": ("<blockquote>", "</blockquote>"),
    "raw html emphasis": ("<em>", ""),
    "raw html list": ("<ul><li>", ""),
    "raw html table": ("<table><tr><td>", ""),
}
MARKUP_CHARACTERS = "*_[]()<>`#-+>|\\!~:=.&;\"' \n\t"
CONTROL_AND_BIDI = (
    "\x00\x01\x02\x03\x07\x08\x0b\x0c\x1b\x7f"
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200b\ufeff"
)


@st.composite
def deep_nesting(draw) -> str:
    opening, closing = NESTING_KINDS[draw(st.sampled_from(sorted(NESTING_KINDS)))]
    depth = draw(st.integers(min_value=1, max_value=600))
    word = draw(st.sampled_from(["x", "deep", "a b", "|a|b|\n|-|-|"]))
    if draw(st.booleans()):  # one level per line, indented like a nested list
        return "".join("    " * level + opening + word + "\n" for level in range(depth))
    return opening * depth + word + closing * depth


markup_runs = st.lists(
    st.tuples(st.sampled_from(MARKUP_CHARACTERS), st.integers(1, 400)), min_size=1, max_size=30
).map(lambda runs: "".join(character * length for character, length in runs))

mixed_characters = st.text(
    alphabet=st.sampled_from(MARKUP_CHARACTERS + CONTROL_AND_BIDI + "abc ä€😀"),
    max_size=2000,
)

#: anything a user might save as Markdown, worst cases first
hostile_markdown = st.one_of(
    deep_nesting(),
    markup_runs,
    mixed_characters,
    st.text(max_size=300),
    st.lists(st.one_of(deep_nesting(), markup_runs, mixed_characters), max_size=4).map("\n\n".join),
)
