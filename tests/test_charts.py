from decimal import Decimal

from expenses_app.charts import (
    DEFAULT_COLOR,
    ChartItem,
    bar_chart,
    column_chart,
    safe_color,
    short,
)


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


def test_chart_markup_escapes_labels_and_carries_accessible_names(app):
    with app.test_request_context():
        template = app.jinja_env.from_string('{{ chart_svg(c, "x") }}')
        html = template.render(
            c=bar_chart("Spending <b>", [ChartItem('<script>alert(1)</script>"', Decimal("5"))])
        )
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;&#34;" in html
    assert 'role="img"' in html and 'aria-labelledby="x-title"' in html
    assert '<title id="x-title">Spending &lt;b&gt;</title>' in html
    assert "style=" not in html
