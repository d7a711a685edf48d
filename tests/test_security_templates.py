"""Static scan of the templates (RELIABILITY E2): autoescape can only protect
what is quoted, and the CSP forbids inline script and style."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import expenses_app

PACKAGE = Path(expenses_app.__file__).parent
TEMPLATES = PACKAGE / "templates"
TAG = re.compile(r"<[a-zA-Z][^<>]*?(?:\{\{.*?\}\}|\{%.*?%\}|[^<>])*?>", re.DOTALL)
FORBIDDEN = {
    "safe filter": re.compile(r"\|\s*safe\b"),
    "Markup()": re.compile(r"\bMarkup\s*\("),
    "autoescape off": re.compile(r"autoescape\s+(false|False)"),
    "inline <script>": re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.IGNORECASE),
    "<style> block": re.compile(r"<style\b", re.IGNORECASE),
    "javascript: URL": re.compile(r"javascript:", re.IGNORECASE),
}
IN_TAG = {
    "style= attribute": re.compile(r"\sstyle\s*=", re.IGNORECASE),
    "on*= handler": re.compile(r"\son[a-z]+\s*=", re.IGNORECASE),
    "unquoted {{ }} value": re.compile(r"=\s*\{[{%]"),
}


def template_files() -> list[Path]:
    return sorted(path for path in TEMPLATES.rglob("*") if path.is_file())


def test_every_template_is_html_so_autoescape_applies():
    assert template_files()
    assert [p for p in template_files() if p.suffix != ".html"] == []


@pytest.mark.parametrize("path", template_files(), ids=lambda p: str(p.relative_to(TEMPLATES)))
def test_template_hygiene(path: Path):
    source = path.read_text(encoding="utf-8")
    problems = [name for name, pattern in FORBIDDEN.items() if pattern.search(source)]
    for tag in TAG.findall(source):
        problems += [
            f"{name} in {tag[:60]!r}" for name, pattern in IN_TAG.items() if pattern.search(tag)
        ]
    assert problems == []


def test_the_scan_catches_what_it_should():
    bad = '<a title={{ v }} onclick="x()" style="color:red">{{ v|safe }}</a><script>x()</script>'
    tags = TAG.findall(bad)
    found = {name for tag in tags for name, pattern in IN_TAG.items() if pattern.search(tag)}
    found |= {name for name, pattern in FORBIDDEN.items() if pattern.search(bad)}
    assert {"unquoted {{ }} value", "on*= handler", "style= attribute", "safe filter"} <= found
    assert "inline <script>" in found


def test_no_python_code_renders_user_text_as_a_template():
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if "render_template_string" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_autoescape_is_on(app):
    with app.app_context():
        template = app.jinja_env.from_string("{{ value }}")
        assert template.render(value="<b>") == "&lt;b&gt;"
