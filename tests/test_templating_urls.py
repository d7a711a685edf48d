"""Links on the pages: each one leads where it says, also under a script root (SCRIPT_NAME).

The templates build every link with Flask's `url_for`; these tests read the
links off the rendered pages and follow them.
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

from .factories import make_budget, make_expense

ROOT = "/mounted/here"
TODAY = dt.date.today()
TAG_NAMES = [
    "two words",
    "a&b <c> d/é?x=1",
    "100% #1 + more",
    'quote\'s "double"',
    "semi;colon:at@bang!star*(paren)$",
    "日本",
]


class Links(HTMLParser):
    """Every local href, action and src of a page (entities decoded), with link labels."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.by_label: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        for name in ("href", "action", "src"):
            url = values.get(name)
            if url is not None and not url.startswith(("#", "http:", "https:", "mailto:")):
                self.urls.append(url)
        if tag == "a" and values.get("aria-label") and values.get("href"):
            self.by_label[values["aria-label"]] = values["href"]


def links(html: str) -> Links:
    parser = Links()
    parser.feed(html)
    return parser


def page(client, path: str, root: str = "") -> str:
    response = client.get(path, base_url=f"http://localhost{root}")
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def pages(app, user_id) -> list[str]:
    food = make_expense(app, user_id, description="Lunch", tags=("weekly", "a&b"))
    make_expense(app, user_id, description="Old", date=TODAY - dt.timedelta(days=40))
    make_expense(app, user_id, description="Gone", deleted=True)
    budget = make_budget(app, user_id, category="Food")
    return [
        "/",
        "/expenses/",
        "/expenses/?q=Lunch&sort=amount&order=asc&per_page=1",
        f"/expenses/{food}",
        f"/expenses/{food}/edit",
        "/expenses/new",
        "/expenses/trash",
        "/expenses/import",
        "/categories/",
        "/budgets/",
        f"/budgets/{budget}",
        "/reports",
        "/reports?group=month",
        "/auth/account",
    ]


@pytest.mark.parametrize("root", ["", ROOT])
def test_every_link_on_every_page_works_under_the_script_root(app, client, logged_in, root):
    followed: set[str] = set()
    for path in pages(app, logged_in.id):
        for url in links(page(client, path, root)).urls:
            assert url.startswith(f"{root}/"), (path, url)
            if url in followed or "/logout" in url or url.endswith(("/delete", "/restore")):
                continue
            followed.add(url)
            # A form's action answers GET too (its page) or refuses the method; never a 404.
            with client.get(url.removeprefix(root), base_url=f"http://localhost{root}") as answer:
                assert answer.status_code in (200, 405), (path, url, answer.status_code)
    assert len(followed) > 20


def test_the_empty_dashboard_links_follow_the_script_root(app, client, logged_in):
    urls = links(page(client, "/", ROOT)).urls
    assert f"{ROOT}/expenses/new" in urls
    assert f"{ROOT}/expenses/import" in urls


def test_recent_expenses_on_the_dashboard_follow_the_script_root(app, client, logged_in):
    expense = make_expense(app, logged_in.id, description="Recent")
    assert f"{ROOT}/expenses/{expense}" in links(page(client, "/", ROOT)).urls


@pytest.mark.parametrize("root", ["", ROOT])
def test_a_tag_link_lists_exactly_that_tags_expenses(app, client, logged_in, root):
    for number, name in enumerate(TAG_NAMES):
        make_expense(app, logged_in.id, description=f"Tagged {number}", tags=(name,))
    found = links(page(client, "/expenses/", root)).by_label
    for number, name in enumerate(TAG_NAMES):
        url = found[f"Expenses tagged {name}"]
        assert parse_qs(urlsplit(url).query) == {"tag": [name]}
        listed = page(client, url.removeprefix(root), root)
        shown = [n for n in range(len(TAG_NAMES)) if f">Tagged {n}</a>" in listed]
        assert shown == [number], name


def test_the_detail_pages_tag_links_match_the_lists(app, client, logged_in):
    expense = make_expense(app, logged_in.id, tags=tuple(TAG_NAMES))
    on_detail = links(page(client, f"/expenses/{expense}", ROOT)).by_label
    on_list = links(page(client, "/expenses/", ROOT)).by_label
    for name in TAG_NAMES:
        assert on_detail[f"Expenses tagged {name}"] == on_list[f"Expenses tagged {name}"]


def test_each_row_links_to_its_own_expense(app, client, logged_in):
    ids = [make_expense(app, logged_in.id, description=f"Row {n}") for n in range(3)]
    html = page(client, "/expenses/", ROOT)
    for number, expense in enumerate(ids):
        assert f'href="{ROOT}/expenses/{expense}">Row {number}</a>' in html


def test_sort_and_page_links_keep_the_filters(app, client, logged_in):
    for number in range(3):
        make_expense(app, logged_in.id, description=f"Odd & even {number}", tags=("x y",))
    html = page(client, "/expenses/?tag=x+y&q=Odd+%26&per_page=1", ROOT)
    urls = [urlsplit(url) for url in links(html).urls if url.startswith(f"{ROOT}/expenses/?")]
    queries = [parse_qs(url.query) for url in urls]
    sorts = [query for query in queries if "sort" in query]
    assert len(sorts) == 3  # date, the default sort, needs no argument
    pages_ = [query for query in queries if query.get("page") == ["2"]]
    assert pages_
    for query in sorts + pages_:
        assert query["tag"] == ["x y"] and query["q"] == ["Odd &"] and query["per_page"] == ["1"]
