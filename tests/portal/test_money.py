from django.template import Context, Template

from procedures.formatting import format_vnd


def test_amounts_group_thousands_with_dots():
    assert format_vnd(200000) == "200.000 đ"
    assert format_vnd(1500) == "1.500 đ"
    assert format_vnd(0) == "0 đ"
    assert format_vnd(None) == ""


def test_template_filter():
    html = Template("{% load money %}{{ amount|vnd }}").render(Context({"amount": 1234567}))
    assert html == "1.234.567 đ"
