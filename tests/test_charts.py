import datetime as dt
import re
from decimal import Decimal

from expenses_app.charts import (
    DEFAULT_COLOR,
    ChartItem,
    bar_chart,
    column_chart,
    safe_color,
    short,
)

from .factories import make_budget, make_expense

# The report's groups (contract): each draws its own chart.
GROUPS = ("category", "month", "tag", "payment_method")


def test_bars_scale_to_the_largest_value():
    chart = bar_chart(
        "t", [ChartItem("A", Decimal("50.00")), ChartItem("B", Decimal("200.00"), "#ef4444")]
    )
    assert [s.width for s in chart.shapes] == [100.0, 400.0]
    assert [s.value_text for s in chart.shapes] == ["50.00", "200.00"]
    assert chart.shapes[1].color == "#ef4444"
    assert chart.height == 80
    assert chart.shapes[1].y > chart.shapes[0].y


def test_tiny_values_stay_visible_and_zero_is_empty():
    chart = bar_chart(
        "t",
        [
            ChartItem("big", Decimal("1000000.00")),
            ChartItem("tiny", Decimal("0.01")),
            ChartItem("none", Decimal("0.00")),
        ],
    )
    assert [s.width for s in chart.shapes] == [400.0, 2, 0]


def test_columns_share_a_baseline():
    chart = column_chart(
        "t",
        [
            ChartItem("Jan", Decimal("10")),
            ChartItem("Feb", Decimal("0")),
            ChartItem("Mar", Decimal("40")),
        ],
    )
    bottoms = {round(s.y + s.height, 1) for s in chart.shapes}
    assert bottoms == {chart.baseline_y}
    assert chart.shapes[2].height > chart.shapes[0].height > chart.shapes[1].height == 0
    assert chart.max_text == "40.00"


def test_empty_chart_has_no_shapes():
    assert bar_chart("t", []).shapes == []
    assert column_chart("t", []).max_text == ""


def test_only_hex_colours_reach_the_svg():
    assert safe_color("#a1B2c3") == "#a1B2c3"
    assert safe_color('" onload="x') == DEFAULT_COLOR
    assert safe_color("red") == DEFAULT_COLOR
    assert safe_color(None) == DEFAULT_COLOR


def test_long_labels_are_shortened_for_the_chart_only():
    label = "A very long category name that goes on"
    chart = bar_chart("t", [ChartItem(label, Decimal("1"))])
    assert chart.shapes[0].label == label
    assert chart.shapes[0].short_label == short(label)
    assert len(chart.shapes[0].short_label) == 28
    assert chart.shapes[0].short_label.endswith("…")


def draw(app, chart, chart_id: str = "x") -> str:
    """The chart as the pages draw it: the `chart` macro of `_macros/charts.html`."""
    with app.test_request_context():
        source = '{% from "_macros/charts.html" import chart as draw %}{{ draw(c, chart_id) }}'
        return app.jinja_env.from_string(source).render(c=chart, chart_id=chart_id)


def test_chart_markup_escapes_labels_and_carries_accessible_names(app):
    html = draw(
        app, bar_chart("Spending <b>", [ChartItem('<script>alert(1)</script>"', Decimal("5"))])
    )
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#34;" in html
    assert 'role="img"' in html and 'aria-labelledby="x-title"' in html
    assert '<title id="x-title">Spending &lt;b&gt;</title>' in html
    assert "style=" not in html


def test_bars_are_drawn_over_their_track(app):
    chart = bar_chart("t", [ChartItem("Food", Decimal("5"), "#ef4444")])
    html = draw(app, chart)
    assert html.startswith('<svg class="chart chart-bars" viewBox="0 0 400 40" role="img"')
    assert "<title>Food: 5.00</title>" in html
    assert '<text class="chart-label" x="0" y="14">Food</text>' in html
    assert '<rect x="0" y="20" width="400" height="14" rx="3" fill="#e5e7eb"/>' in html
    assert '<rect x="0" y="20" width="400.0" height="14" rx="3" fill="#ef4444"/>' in html


def test_columns_are_drawn_on_a_baseline_under_their_maximum(app):
    chart = column_chart("t <y>", [ChartItem("Jan & Feb", Decimal("10"), axis_label="J&F")])
    html = draw(app, chart, "trend")
    assert html.startswith('<svg class="chart chart-columns" viewBox="0 0 480 200" role="img"')
    assert 'aria-labelledby="trend-title"' in html
    assert '<title id="trend-title">t &lt;y&gt;</title>' in html
    assert '<text class="chart-value" x="0" y="18">10.00</text>' in html
    assert '<line x1="0" y1="178" x2="480" y2="178" stroke="#9aa3ae"/>' in html
    assert "<title>Jan &amp; Feb: 10.00</title>" in html
    assert 'text-anchor="middle">J&amp;F</text>' in html
    assert html.count("<g>") == 1 and html.endswith("</svg>")


def test_an_empty_column_chart_has_its_baseline_and_no_maximum(app):
    html = draw(app, column_chart("t", []))
    assert 'stroke="#9aa3ae"' in html and "stroke-dasharray" not in html and "<g>" not in html


def chart_sections(html: str) -> list[str]:
    """The page's sections that hold a chart."""
    sections = [part.split("</section>")[0] for part in html.split("<section")[1:]]
    return [section for section in sections if '<svg class="chart' in section]


def test_every_chart_on_every_page_has_a_table_beside_it(app, client, logged_in):
    today = dt.date.today()
    for months_ago, (amount, category) in enumerate([("10.00", "Food"), ("25.50", "Transport")]):
        day = (today.replace(day=1) - dt.timedelta(days=31 * months_ago)).replace(day=1)
        make_expense(app, logged_in.id, amount=amount, category=category, date=day, tags=("t",))
    make_expense(app, logged_in.id, amount="3.00", category="Food", date=today)
    budget = make_budget(app, logged_in.id, period="monthly", start_date=dt.date(2020, 1, 1))
    paths = ["/", f"/budgets/{budget}"]
    paths += [f"/reports?start=2020-01-01&group={group}" for group in GROUPS]
    charts = 0
    for path in paths:
        html = client.get(path).get_data(as_text=True)
        for section in chart_sections(html):
            drawn = section.count('<svg class="chart')
            charts += drawn
            tables = re.findall(r"<table\b.*?<caption\b.*?</table>", section, re.S)
            assert len(tables) >= drawn, path
    assert charts == 2 + 1 + len(GROUPS)
