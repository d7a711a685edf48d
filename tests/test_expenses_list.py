"""The expense list: filters, sorting, paging, totals and a fixed number of statements."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest

from expenses_app.extensions import db
from expenses_app.models import Category

from .conftest import count_queries, login
from .factories import category_id, make_category, make_expense, make_user

DESCRIPTION_CELL = re.compile(r'<td data-label="Description">\s*<a href="[^"]+">([^<]*)</a>')


def descriptions(response) -> list[str]:
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return DESCRIPTION_CELL.findall(response.get_data(as_text=True))


@pytest.fixture
def spending(app, logged_in):
    """A small, varied history for `logged_in`, plus someone else's expense and a trashed one."""
    uid = logged_in.id
    make_expense(
        app,
        uid,
        description="Coffee beans",
        amount="12.50",
        date=dt.date(2026, 1, 5),
        category="Food",
        payment_method="cash",
        tags=("groceries",),
        notes="Arabica from the MARKET",
    )
    make_expense(
        app,
        uid,
        description="Train ticket",
        amount="45.00",
        date=dt.date(2026, 1, 10),
        category="Transport",
        payment_method="credit_card",
        tags=("work", "travel"),
    )
    make_expense(
        app,
        uid,
        description="Pharmacy",
        amount="8.99",
        date=dt.date(2026, 2, 1),
        category="Health",
        payment_method="debit_card",
    )
    make_expense(
        app,
        uid,
        description="Cinema",
        amount="20.00",
        date=dt.date(2026, 2, 14),
        category="Entertainment",
        payment_method="cash",
        tags=("Work",),
        notes="team outing",
    )
    make_expense(app, uid, description="Trashed coffee", amount="99.00", deleted=True)
    other = make_user(app, "someone")
    make_expense(app, other.id, description="Foreign coffee", amount="77.00", tags=("work",))
    return logged_in


def test_list_shows_live_expenses_newest_first_with_total(client, spending):
    response = client.get("/expenses/")
    assert descriptions(response) == ["Cinema", "Pharmacy", "Train ticket", "Coffee beans"]
    html = response.get_data(as_text=True)
    assert "86.49" in html
    assert "Trashed coffee" not in html and "Foreign coffee" not in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("q=coffee", ["Coffee beans"]),
        ("q=COFFEE", ["Coffee beans"]),
        ("q=market", ["Coffee beans"]),
        ("q=TEAM%20OUT", ["Cinema"]),
        ("q=ci", ["Cinema"]),
        ("q=x", []),
        ("q=100%25", []),
        ("tag=work", ["Cinema", "Train ticket"]),
        ("tag=TRAVEL", ["Train ticket"]),
        ("tag=unknown", []),
        ("payment_method=cash", ["Cinema", "Coffee beans"]),
        ("start=2026-01-10", ["Cinema", "Pharmacy", "Train ticket"]),
        ("end=2026-01-10", ["Train ticket", "Coffee beans"]),
        ("start=2026-01-10&end=2026-02-01", ["Pharmacy", "Train ticket"]),
        ("min=20", ["Cinema", "Train ticket"]),
        ("max=12.50", ["Pharmacy", "Coffee beans"]),
        ("min=8.99&max=12.5", ["Pharmacy", "Coffee beans"]),
        ("tag=work&payment_method=cash&start=2026-02-01&min=10&q=cinema", ["Cinema"]),
        ("tag=work&payment_method=credit_card&end=2026-01-09", []),
    ],
)
def test_each_filter_alone_and_combined(client, spending, query, expected):
    assert descriptions(client.get(f"/expenses/?{query}")) == expected


def test_category_filter(app, client, spending):
    transport = category_id(app, spending.id, "Transport")
    assert descriptions(client.get(f"/expenses/?category={transport}")) == ["Train ticket"]


def test_category_filter_with_another_users_category_matches_nothing(app, client, spending):
    other = make_user(app, "intruder")
    foreign = category_id(app, other.id, "Food")
    response = client.get(f"/expenses/?category={foreign}")
    assert descriptions(response) == []
    assert "Nothing matches these filters" in response.get_data(as_text=True)


def test_total_and_count_cover_all_matching_rows_not_only_the_page(client, spending):
    html = client.get("/expenses/?per_page=1&payment_method=cash").get_data(as_text=True)
    assert "<strong>2</strong> expenses match" in html
    assert "32.50" in html
    assert len(DESCRIPTION_CELL.findall(html)) == 1


def test_total_is_exact_decimal(app, client, logged_in):
    for _ in range(3):
        make_expense(app, logged_in.id, amount="0.10")
    make_expense(app, logged_in.id, amount="0.20")
    html = client.get("/expenses/").get_data(as_text=True)
    assert 'total <strong class="nowrap">0.50</strong>' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("sort=amount", ["Train ticket", "Cinema", "Coffee beans", "Pharmacy"]),
        ("sort=amount&order=asc", ["Pharmacy", "Coffee beans", "Cinema", "Train ticket"]),
        ("sort=description", ["Cinema", "Coffee beans", "Pharmacy", "Train ticket"]),
        ("sort=description&order=desc", ["Train ticket", "Pharmacy", "Coffee beans", "Cinema"]),
        ("sort=category", ["Cinema", "Coffee beans", "Pharmacy", "Train ticket"]),
        ("sort=category&order=desc", ["Train ticket", "Pharmacy", "Coffee beans", "Cinema"]),
        ("sort=date&order=asc", ["Coffee beans", "Train ticket", "Pharmacy", "Cinema"]),
    ],
)
def test_sorting(client, spending, query, expected):
    assert descriptions(client.get(f"/expenses/?{query}")) == expected


def _links(html: str, rel: str) -> list[dict[str, list[str]]]:
    hrefs = re.findall(rf'<a href="([^"]+)" rel="{rel}">', html)
    return [parse_qs(urlsplit(href.replace("&amp;", "&")).query) for href in hrefs]


def test_paging_keeps_filters_and_sort(client, spending):
    query = "/expenses/?q=e&sort=amount&order=asc&per_page=1&min=1"
    first = client.get(query)
    assert descriptions(first) == ["Coffee beans"]
    (next_args,) = _links(first.get_data(as_text=True), "next")
    assert next_args == {
        "q": ["e"],
        "min": ["1.00"],
        "sort": ["amount"],
        "order": ["asc"],
        "page": ["2"],
        "per_page": ["1"],
    }
    second = client.get("/expenses/?" + "&".join(f"{k}={v[0]}" for k, v in next_args.items()))
    assert descriptions(second) == ["Cinema"]
    (prev_args,) = _links(second.get_data(as_text=True), "prev")
    assert prev_args["q"] == ["e"] and prev_args["sort"] == ["amount"]


def test_pages_never_overlap_or_skip_rows(app, client, logged_in):
    for n in range(7):
        make_expense(app, logged_in.id, description=f"Same day {n}", date=dt.date(2026, 3, 1))
    seen = []
    for page in (1, 2, 3):
        seen += descriptions(client.get(f"/expenses/?per_page=3&page={page}"))
    assert sorted(seen) == [f"Same day {n}" for n in range(7)]


@pytest.mark.parametrize("sort", ["date", "amount", "description", "category"])
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_pages_read_from_either_end_join_up_into_the_whole_list(
    app, client, logged_in, sort, order
):
    # Pages past the middle are read backwards from the list's end: ties in
    # every sort key (same day, amount, description) must not move a row.
    for n in range(11):
        make_expense(
            app,
            logged_in.id,
            description=f"Row {n % 3}",
            amount=f"{5 + n % 2}.00",
            date=dt.date(2026, 3, 1 + n % 4),
            category=("Food", "Health")[n % 2],
        )
    query = f"/expenses/?sort={sort}&order={order}"
    whole = row_links(client.get(query + "&per_page=100"))
    paged = []
    for page in (1, 2, 3, 4):
        paged += row_links(client.get(f"{query}&per_page=3&page={page}"))
    assert len(whole) == 11
    assert paged == whole


def row_links(response) -> list[str]:
    """The expenses a list page shows, in order, by their detail links."""
    assert response.status_code == 200
    return re.findall(r'href="/expenses/([0-9a-f-]{36})"', response.get_data(as_text=True))


def test_sort_headers_keep_filters_and_flip_the_order(client, spending):
    html = client.get("/expenses/?tag=work&sort=amount").get_data(as_text=True)
    assert 'aria-sort="descending"' in html
    hrefs = [h.replace("&amp;", "&") for h in re.findall(r'class="sort-link" href="([^"]+)"', html)]
    args = [parse_qs(urlsplit(h).query) for h in hrefs]
    assert all(a["tag"] == ["work"] for a in args)
    amount = next(a for a in args if a.get("sort") == ["amount"])
    assert amount["order"] == ["asc"]


def test_filter_form_keeps_its_values(client, spending):
    html = client.get("/expenses/?q=coffee&min=5&start=2026-01-01&tag=work").get_data(as_text=True)
    for name, value in (("q", "coffee"), ("min", "5"), ("start", "2026-01-01"), ("tag", "work")):
        assert re.search(rf'<input[^>]*name="{name}"[^>]*value="{value}"', html), name


def filter_categories(html: str) -> list[str]:
    select = re.search(r'<select[^>]*name="category".*?</select>', html, re.S).group()
    return re.findall(r"<option[^>]*>([^<]*)</option>", select)


def test_filter_form_follows_the_users_categories(app, client, logged_in):
    # The form's HTML is kept per query string and categories: changes must show at once.
    assert "Food" in filter_categories(client.get("/expenses/").get_data(as_text=True))
    make_category(app, logged_in.id, "Zebra crossing fees")
    with app.app_context():
        food = db.session.get(Category, category_id(app, logged_in.id, "Food"))
        food.name = "Groceries"
        db.session.commit()
    names = filter_categories(client.get("/expenses/").get_data(as_text=True))
    assert "Zebra crossing fees" in names and "Groceries" in names and "Food" not in names


def test_filter_form_never_shows_another_users_categories(app, client, logged_in):
    other = make_user(app, "stranger", with_defaults=False)
    make_category(app, other.id, "Secret stash")
    other_client = app.test_client()
    login(other_client, other)
    assert filter_categories(other_client.get("/expenses/?q=x").get_data(as_text=True)) == [
        "All categories",
        "Secret stash",
    ]
    names = filter_categories(client.get("/expenses/?q=x").get_data(as_text=True))
    assert "Secret stash" not in names and "Food" in names


def test_tags_link_to_the_tag_filter(client, spending):
    html = client.get("/expenses/").get_data(as_text=True)
    assert 'href="/expenses/?tag=travel"' in html


@pytest.mark.parametrize(
    "query",
    [
        "start=2026-02-30",
        "start=yesterday",
        "end=2026-13-01",
        "start=2026-02-01&end=2026-01-01",
        "min=-3",
        "min=abc",
        "max=1e3",
        "max=NaN",
        "min=12.345",
        "min=50&max=10",
        "sort=price",
        "order=up",
        "page=0",
        "page=-1",
        "page=two",
        "per_page=0",
        "per_page=101",
        "category=not-a-uuid",
        "payment_method=bitcoin",
        "q=" + "x" * 201,
        "tag=" + "t" * 41,
    ],
)
def test_invalid_query_values_answer_400_with_a_message(client, logged_in, query):
    response = client.get(f"/expenses/?{query}")
    assert response.status_code == 400
    assert "error-detail" in response.get_data(as_text=True)


def test_empty_state_without_expenses(client, logged_in):
    html = client.get("/expenses/").get_data(as_text=True)
    assert "No expenses yet" in html
    assert 'href="/expenses/new"' in html


def test_empty_state_when_a_filter_matches_nothing(client, spending):
    html = client.get("/expenses/?q=zzzz").get_data(as_text=True)
    assert "Nothing matches these filters" in html
    assert "No expenses yet" not in html


@pytest.mark.parametrize("query", ["", "&q=coffee", "&q=co", "&sort=category"])
def test_page_beyond_the_last_is_empty_with_a_way_back(client, spending, query):
    response = client.get(f"/expenses/?page=9{query}")
    assert descriptions(response) == []
    html = response.get_data(as_text=True)
    assert "No expenses on this page" in html
    assert "<strong>" in html and "expense" in html


def test_search_results_carry_the_count_and_total_of_all_matches(client, spending):
    html = client.get("/expenses/?q=e&per_page=1").get_data(as_text=True)
    assert "<strong>3</strong> expenses match" in html and "77.50" in html


def test_list_links_to_new_trash_and_filtered_export(client, spending):
    html = client.get("/expenses/?tag=work").get_data(as_text=True)
    assert 'href="/expenses/new"' in html
    assert 'href="/expenses/trash"' in html
    assert 'href="/expenses/export.csv?tag=work"' in html


def test_list_requires_login(client):
    response = client.get("/expenses/?q=x")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login?next=")


def _statement_count(app, client, url: str) -> int:
    with count_queries(app) as statements:
        response = client.get(url)
    assert response.status_code == 200
    return len(statements)


@pytest.mark.parametrize("sort", ["date", "category"])
def test_statement_count_is_fixed_whatever_page_size_and_data_size(app, client, logged_in, sort):
    categories = [make_category(app, logged_in.id) for _ in range(3)]
    for n in range(3):
        make_expense(app, logged_in.id, category=categories[n], tags=(f"t{n}", "common"))
    few_small = _statement_count(app, client, f"/expenses/?sort={sort}&per_page=5")
    few_large = _statement_count(app, client, f"/expenses/?sort={sort}&per_page=100")
    for n in range(57):
        make_expense(app, logged_in.id, category=categories[n % 3], tags=(f"x{n}",))
    many_small = _statement_count(app, client, f"/expenses/?sort={sort}&per_page=5")
    many_large = _statement_count(app, client, f"/expenses/?sort={sort}&per_page=100")
    filtered = _statement_count(app, client, f"/expenses/?sort={sort}&per_page=100&tag=common")
    searched = _statement_count(app, client, f"/expenses/?sort={sort}&per_page=100&q=xpens")
    assert few_small == few_large == many_small == many_large == filtered == searched
    assert many_large <= 4


def test_other_users_do_not_see_my_expenses_in_search(app, spending):
    other = make_user(app, "nosy")
    client = app.test_client()
    login(client, other)
    html = client.get("/expenses/?q=coffee").get_data(as_text=True)
    assert "Coffee beans" not in html and "Arabica" not in html


@pytest.mark.parametrize("order", ["asc", "desc"])
def test_category_sort_pages_cross_category_boundaries(app, client, logged_in, order):
    sizes = {"Bills": 3, "Food": 1, "Transport": 4}
    expected = []
    for name, size in sizes.items():
        for n in range(size):
            day = dt.date(2026, 1, 1 + n)
            make_expense(app, logged_in.id, category=name, date=day, description=f"{name} {n}")
            expected.append((name, day, f"{name} {n}"))
    expected.sort(reverse=order == "desc")
    seen = []
    for page in range(1, 5):
        seen += descriptions(
            client.get(f"/expenses/?sort=category&order={order}&per_page=3&page={page}")
        )
    assert seen == [description for _, _, description in expected]
    html = client.get(f"/expenses/?sort=category&order={order}&per_page=3").get_data(as_text=True)
    assert "<strong>8</strong> expenses" in html and "100.00" in html
