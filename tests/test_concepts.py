"""Small concepts kept in one place: the name key, colours, payment labels, control characters."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from expenses_app.form_base import has_control_characters
from expenses_app.models import PAYMENT_METHOD_LABELS, PAYMENT_METHODS, is_hex_color, name_key


@pytest.mark.parametrize("spelling", ["Food", "food", " FOOD ", "fOOd\t", "\nFood  "])
def test_name_key_ignores_case_and_surrounding_space(spelling):
    assert name_key(spelling) == "food"


def test_name_key_folds_inner_spacing_and_special_cases():
    assert name_key("Eating   Out") == name_key("eating out") == "eating out"
    assert name_key("Straße") == name_key("STRASSE")


@given(st.text())
def test_name_key_is_stable(text):
    assert name_key(name_key(text)) == name_key(text)
    assert name_key(f"  {text}  ") == name_key(text)


@pytest.mark.parametrize(
    ("text", "valid"),
    [
        ("#1a2b3c", True),
        ("#A1B2C3", True),
        ("#1a2b3", False),
        ("#1a2b3c4", False),
        ("1a2b3c", False),
        ("#1a2b3c\n", False),
        ("#gggggg", False),
        ('#1a2b3c" onload="x', False),
        ("", False),
        (None, False),
    ],
)
def test_only_rrggbb_is_a_colour(text, valid):
    assert is_hex_color(text) is valid


def test_payment_methods_and_their_labels_are_one_list(app):
    assert tuple(PAYMENT_METHOD_LABELS) == PAYMENT_METHODS
    render = app.jinja_env.from_string("{{ method | payment_method }}").render
    assert [render(method=method) for method in PAYMENT_METHODS] == [
        "Cash",
        "Credit card",
        "Debit card",
        "Bank transfer",
        "Mobile payment",
        "Other",
    ]
    assert render(method="barter") == "barter"


@pytest.mark.parametrize("character", ["\x00", "\x01", "\x0b", "\x1b", "\x1f", "\x7f"])
def test_control_characters_are_found(character):
    assert has_control_characters(f"a{character}b")
    assert has_control_characters(f"a{character}b", one_line=True)


@pytest.mark.parametrize("character", ["\t", "\n", "\r"])
def test_tabs_and_line_breaks_count_only_on_one_line(character):
    assert not has_control_characters(f"a{character}b")
    assert has_control_characters(f"a{character}b", one_line=True)


def test_ordinary_text_has_no_control_characters():
    assert not has_control_characters("Café 🍔 — “quoted” \u00a0 \u2028", one_line=True)
