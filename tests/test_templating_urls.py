"""`url_pattern`: the list's per-row links, built as `url_for` would build each one."""

from __future__ import annotations

import uuid

import pytest
from flask import url_for
from markupsafe import escape

from expenses_app.templating import UrlPattern

TAG_NAMES = [
    "plain",
    "two words",
    "a&b <c> d/é?x=1",
    "100% #1 + more",
    'quote\'s "double"',
    "semi;colon:at@bang!star*(paren)$",
    "urlpatternsentinel",
    "日本",
]


@pytest.mark.parametrize("name", TAG_NAMES)
def test_query_pattern_gives_url_for_of_each_value(app, name):
    with app.test_request_context("/expenses/"):
        assert UrlPattern("expenses.index", "tag")(name) == url_for("expenses.index", tag=name)


def test_query_pattern_keeps_the_other_arguments(app):
    with app.test_request_context("/expenses/"):
        pattern = UrlPattern("expenses.index", "page", q="a b&c", sort="amount")
        assert pattern(3) == url_for("expenses.index", q="a b&c", sort="amount", page=3)


def test_path_pattern_gives_url_for_of_each_id(app):
    with app.test_request_context("/expenses/"):
        pattern = UrlPattern("expenses.detail", "expense_id")
        for expense_id in (uuid.uuid4(), uuid.UUID(int=0), uuid.UUID(int=2**128 - 1)):
            assert pattern(expense_id) == url_for("expenses.detail", expense_id=expense_id)


def test_patterns_follow_the_script_root(app):
    with app.test_request_context("/expenses/", base_url="http://localhost/mounted/here"):
        expense_id = uuid.uuid4()
        detail = UrlPattern("expenses.detail", "expense_id")(expense_id)
        assert detail == f"/mounted/here/expenses/{expense_id}"
        assert detail == url_for("expenses.detail", expense_id=expense_id)


def test_a_path_part_without_the_uuid_converter_has_no_pattern(app):
    with app.test_request_context("/"), pytest.raises(ValueError):
        UrlPattern("static", "filename")


def _template_link(app, source: str, **context) -> str:
    return app.jinja_env.from_string(source).render(**context)


@pytest.mark.parametrize("root", ["", "/one", "/two/levels"])
def test_template_url_for_keeps_links_per_script_root(app, root):
    for _ in range(2):
        with app.test_request_context("/", base_url=f"http://localhost{root}"):
            assert _template_link(app, "{{ url_for('dashboard.index') }}") == f"{root}/"
            static = "{{ url_for('static', filename='css/app.css') }}"
            assert _template_link(app, static) == url_for("static", filename="css/app.css")


def test_template_url_for_matches_url_for_with_any_values(app):
    expense_id = uuid.uuid4()
    with app.test_request_context("/expenses/"):
        cases = [
            ("{{ url_for('expenses.index', sort='amount', q='a b&c') }}", {}),
            ("{{ url_for('expenses.detail', expense_id=x) }}", {"x": expense_id}),
            ("{{ url_for('expenses.index', page=2) }}", {}),
            ("{{ url_for('.trash') }}", {}),
            ("{{ url_for('expenses.index', _anchor='top') }}", {}),
        ]
        expected = [
            url_for("expenses.index", sort="amount", q="a b&c"),
            url_for("expenses.detail", expense_id=expense_id),
            url_for("expenses.index", page=2),
            url_for("expenses.trash"),
            url_for("expenses.index", _anchor="top"),
        ]
        for _ in range(2):
            links = [_template_link(app, source, **context) for source, context in cases]
            assert links == [str(escape(url)) for url in expected]
