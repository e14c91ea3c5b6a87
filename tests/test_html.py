"""common.html: the fast select renders what Django's Select renders."""

import pytest
from django import forms
from django.test.html import parse_html

from common.html import FastSelect, options_html

CHOICES = [("", "Tất cả"), (1, "Đăng ký khai sinh"), ("2", 'Cấp "bản sao" <trích lục> & khác')]


@pytest.mark.parametrize("value", [None, "", 1, "1", "2", "9"])
def test_same_markup_as_djangos_select(value):
    attrs = {"id": "id_procedure", "class": "input", "aria-invalid": "true"}
    fast = FastSelect(choices=CHOICES).render("procedure", value, attrs=attrs)
    django = forms.Select(choices=CHOICES).render("procedure", value, attrs=attrs)

    assert parse_html(fast) == parse_html(django)


def test_labels_and_values_are_escaped():
    html = options_html([('"><script>', "<b>x</b>")], set())
    assert "<script>" not in html and "<b>" not in html
    assert "&lt;b&gt;x&lt;/b&gt;" in html
