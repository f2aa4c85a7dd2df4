"""Every theme's text meets WCAG AA (4.5:1) on each background the pages put it on.

The colours are the theme variables of static/css/netkeep.css; PAIRS lists each
text/background combination a stylesheet uses (pills, badges, notices, muted
text, links, buttons). A new combination in the CSS belongs in PAIRS.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

CSS = Path(__file__).resolve().parents[1] / "static" / "css"
AA = 4.5
THEMES = ("light", "dark", "contrast")

# (text, background): where the pages use them.
PAIRS = [
    ("text", "bg"),  # the page
    ("text", "panel"),  # tables, cards, forms
    ("text", "free"),  # free-address rows
    ("text", "warn-bg"),  # the row a jump lands on; search matches in configs
    ("text", "unknown-bg"),  # reconciliation pills
    ("text", "up-bg"),  # diff: inserted lines
    ("text", "down-bg"),  # diff: deleted lines
    ("muted", "bg"),  # table headings, tabs
    ("muted", "panel"),  # help text, muted cells, free pills
    ("muted", "free"),  # free-run rows
    ("muted", "unknown-bg"),  # diff gaps
    ("accent", "bg"),  # links
    ("accent", "panel"),  # links, device chips, card titles
    ("accent", "free"),  # "show ▾" on free runs
    ("accent-text", "accent"),  # primary buttons, current tab and order buttons
    ("up", "up-bg"),  # "Up" pills, latency badges, success messages
    ("down", "down-bg"),  # "Down" pills, error boxes and messages
    ("unknown", "unknown-bg"),  # "Unknown" pills
    ("warn", "warn-bg"),  # warning pills, slow badges, notices
    ("down", "panel"),  # field errors
    ("down", "bg"),  # field errors outside a panel
    ("up", "panel"),  # new values in the audit trail
    ("up", "bg"),  # added lines of a config change on the events page
    ("down-text", "down"),  # danger buttons
]


def theme_variables(css: str) -> dict[str, dict[str, str]]:
    """{theme: {variable: colour}} from the `[data-theme="..."]` blocks."""
    themes: dict[str, dict[str, str]] = {}
    for selector, body in re.findall(r"([^{}]+)\{([^{}]*)\}", css):
        names = re.findall(r'\[data-theme="([a-z]+)"\]', selector)
        if len(names) != 1 or "--" not in body:
            continue
        variables = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-fA-F]{3,6})\b", body))
        themes.setdefault(names[0], {}).update(variables)
    return themes


def luminance(colour: str) -> float:
    digits = colour.lstrip("#")
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    channels = [int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(one: str, other: str) -> float:
    lighter, darker = sorted((luminance(one), luminance(other)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_the_contrast_formula_matches_wcag() -> None:
    assert contrast("#000", "#fff") == pytest.approx(21)
    assert contrast("#777", "#fff") == pytest.approx(4.48, abs=0.01)
    # The two failures reported: "Unknown" and "Up" pills of the old light theme.
    assert contrast("#6b7280", "#eceef1") == pytest.approx(4.16, abs=0.01)
    assert contrast("#1a7f37", "#dcf5e3") == pytest.approx(4.4, abs=0.01)


@pytest.mark.parametrize("theme", THEMES)
def test_every_text_colour_meets_wcag_aa_on_its_background(theme: str) -> None:
    variables = theme_variables((CSS / "netkeep.css").read_text())[theme]
    failing = [
        f"--{text} on --{background}: {contrast(variables[text], variables[background]):.2f}:1"
        for text, background in PAIRS
        if contrast(variables[text], variables[background]) < AA
    ]
    assert not failing, f"{theme} theme below {AA}:1: " + "; ".join(failing)


def test_every_theme_defines_every_colour() -> None:
    themes = theme_variables((CSS / "netkeep.css").read_text())
    assert set(themes) == set(THEMES)
    needed = {name for pair in PAIRS for name in pair}
    for theme, variables in themes.items():
        assert needed <= set(variables), (theme, needed - set(variables))


def test_stylesheets_set_text_colours_only_through_theme_variables() -> None:
    # A literal text colour would escape this test in some theme.
    literal = re.compile(r"(?<![-\w])color:\s*#")
    for sheet in CSS.glob("*.css"):
        if sheet.name == "api-docs.css":  # Swagger UI's own page, not themed
            continue
        found = [line for line in sheet.read_text().splitlines() if literal.search(line)]
        assert not found, (sheet.name, found)
