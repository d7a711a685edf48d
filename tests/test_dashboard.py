import datetime as dt
import random
import re
from collections import defaultdict
from decimal import Decimal

from expenses_app.budgets.services import budgets_progress
from expenses_app.dashboard.queries import build_dashboard
from expenses_app.months import last_day, months_back
from expenses_app.reads import Span, group_totals

from .conftest import count_queries, data_statements
from .factories import make_budget, make_expense, make_user, personal_scope

TODAY = dt.date.today()
CATEGORIES = ("Food", "Transport", "Bills")


def money(value: Decimal) -> str:
    return f"{value:,.2f}"


def seed_expenses(app, user_id, count: int, rng: random.Random):
    """Expenses over the last ~14 months plus some trash; returns the live ones."""
    created = []
    for _ in range(count):
        day = TODAY - dt.timedelta(days=rng.randrange(0, 420))
        amount = Decimal(rng.randrange(1, 50000)) / 100
        category = rng.choice(CATEGORIES)
        deleted = rng.random() < 0.1
        make_expense(app, user_id, amount=amount, date=day, category=category, deleted=deleted)
        if not deleted:
            created.append((day, amount, category))
    return created


def stat(html: str, element_id: str) -> str:
    return re.search(rf'id="{element_id}">\s*([^<]*?)\s*<', html).group(1)


def test_totals_match_sums_of_the_rows_created(app, client, logged_in):
    rng = random.Random(5)
    rows = seed_expenses(app, logged_in.id, 60, rng)
    other = make_user(app, "other")
    make_expense(app, other.id, amount="999.99", date=TODAY)

    this_month = TODAY.replace(day=1)
    last_month = months_back(TODAY, 2)[0]
    per_month: dict[str, Decimal] = defaultdict(Decimal)
    per_category: dict[str, Decimal] = defaultdict(Decimal)
    for day, amount, category in rows:
        per_month[f"{day:%Y-%m}"] += amount
        if day >= this_month:
            per_category[category] += amount

    html = client.get("/").get_data(as_text=True)
    this_total = per_month[f"{this_month:%Y-%m}"]
    last_total = per_month[f"{last_month:%Y-%m}"]
    assert stat(html, "this-month-total") == money(this_total)
    assert stat(html, "last-month-total") == money(last_total)
    change = this_total - last_total
    assert stat(html, "month-change") == ("+" if change > 0 else "") + money(change)
    for month in months_back(TODAY, 12):
        key = f"{month:%Y-%m}"
        expected = money(per_month.get(key, Decimal(0)))
        assert f'<th scope="row">{key}</th><td class="num">{expected}</td>' in html
    for category, total in per_category.items():
        assert re.search(
            rf'<span class="swatch-label">{category}</span></span></th>'
            rf'<td class="num">\d+</td><td class="num">{re.escape(money(total))}</td>',
            html,
        )
    assert "999.99" not in html


def test_recent_expenses_link_to_their_pages(app, client, logged_in):
    old = make_expense(app, logged_in.id, description="Older", date=TODAY - dt.timedelta(days=3))
    new = make_expense(app, logged_in.id, description="Newest", date=TODAY)
    trashed = make_expense(app, logged_in.id, description="Trashed", date=TODAY, deleted=True)
    html = client.get("/").get_data(as_text=True)
    assert f'href="/expenses/{new}">Newest</a>' in html
    assert f'href="/expenses/{old}">Older</a>' in html
    assert html.index("Newest") < html.index("Older")
    assert str(trashed) not in html


def test_budgets_at_a_glance_show_status_and_progress(app, client, logged_in):
    budget = make_budget(app, logged_in.id, amount="100.00", category="Food")
    make_expense(app, logged_in.id, amount="120.00", category="Food", date=TODAY)
    html = client.get("/").get_data(as_text=True)
    glance = re.search(r'<li class="glance" data-status="(\w+)">(.*?)</li>', html, re.S)
    assert glance.group(1) == "over"
    assert f'href="/budgets/{budget}"' in glance.group(2)
    assert '<progress max="100.00" value="100.00"' in glance.group(2)


def test_new_user_sees_how_to_start(app, client, logged_in):
    html = client.get("/").get_data(as_text=True)
    assert 'href="/expenses/new"' in html
    assert 'href="/expenses/import"' in html
    assert f"flask demo-data --user {logged_in.username} --expenses 500" in html
    assert "this-month-total" not in html


def test_charts_are_inline_svg_with_text_labels(app, client, logged_in):
    make_expense(app, logged_in.id, amount="10.00", category="Food", date=TODAY)
    html = client.get("/").get_data(as_text=True)
    assert html.count('role="img"') == 2
    assert '<text class="chart-label" x="0" y="14">Food</text>' in html
    assert "<script" not in html and "style=" not in html


def test_dashboard_runs_a_fixed_number_of_statements(app, client, logged_in):
    uid = logged_in.id
    make_budget(app, uid, amount="100.00")
    make_expense(app, uid, amount="1.00", date=TODAY)
    with count_queries(app) as few:
        assert client.get("/").status_code == 200
    seed_expenses(app, uid, 40, random.Random(1))
    for name in CATEGORIES:
        make_budget(app, uid, amount="10.00", category=name)
        make_budget(app, uid, amount="10.00", category=name, period="weekly")
        make_budget(app, uid, amount="10.00", category=name, period="yearly")
    with count_queries(app) as many:
        assert client.get("/").status_code == 200
    assert len(few) == len(many)
    assert len(data_statements(many)) == 4  # issue 14: + the recurring next 30 days


def test_one_statement_of_totals_answers_as_the_separate_ones(app, logged_in):
    """The trend, this month's categories and the budgets' spending come from one
    SELECT (a UNION ALL); each answers as its own statement would, and as the rows."""
    uid = logged_in.id
    rows = seed_expenses(app, uid, 80, random.Random(9))
    first = TODAY.replace(day=1)
    year_ago = TODAY - dt.timedelta(days=365)
    for period, category, start, end in (
        ("monthly", None, dt.date(TODAY.year - 1, 1, 1), None),
        ("weekly", "Food", year_ago, None),
        ("yearly", "Bills", dt.date(TODAY.year, 1, 1), None),
        ("monthly", "Transport", first - dt.timedelta(days=40), None),  # starts mid-month
        ("monthly", None, year_ago - dt.timedelta(days=3), year_ago + dt.timedelta(days=70)),
    ):
        make_budget(
            app, uid, amount="50.00", period=period, category=category,
            start_date=start, end_date=end,
        )  # fmt: skip
    with app.app_context():
        dashboard = build_dashboard(personal_scope(uid), TODAY)
        progress = budgets_progress(personal_scope(uid), TODAY)
        categories = group_totals(personal_scope(uid), Span(first, last_day(first)), "category")
        months = group_totals(
            personal_scope(uid), Span(months_back(TODAY, 12)[0], last_day(first)), "month"
        )
    assert dashboard.by_category == categories
    assert {f"{m.month:%Y-%m}": m.total for m in dashboard.trend if m.total} == {
        m.key: m.total for m in months
    }
    assert [b.spent for b in dashboard.budgets] == [b.spent for b in progress]
    for budget in dashboard.budgets:
        expected = sum(
            (
                amount
                for day, amount, category in rows
                if budget.period.contains(day) and budget.category_name in (None, category)
            ),
            Decimal("0.00"),
        )
        assert budget.spent == expected, budget.label


def test_dashboard_needs_a_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/auth/login")


def test_months_back_crosses_year_boundaries():
    assert months_back(dt.date(2026, 2, 15), 4) == [
        dt.date(2025, 11, 1),
        dt.date(2025, 12, 1),
        dt.date(2026, 1, 1),
        dt.date(2026, 2, 1),
    ]
