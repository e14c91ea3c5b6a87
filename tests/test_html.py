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


@pytest.mark.parametrize("value", [None, "", "Phạm Thu Hà", '"><script>'])
def test_same_markup_as_djangos_text_input_and_textarea(value):
    from common.html import FastTextarea, FastTextInput

    attrs = {"id": "id_q", "aria-describedby": "id_q-hint", "required": True, "x": False}
    pairs = [
        (
            FastTextInput(attrs={"aria-keyshortcuts": "/"}),
            forms.TextInput(attrs={"aria-keyshortcuts": "/"}),
        ),
        (FastTextarea(attrs={"rows": 3}), forms.Textarea(attrs={"rows": 3})),
    ]
    for fast, django in pairs:
        assert parse_html(fast.render("q", value, attrs=attrs)) == parse_html(
            django.render("q", value, attrs=attrs)
        )


@pytest.mark.parametrize("value", [None, "", "2026-12-07"])
def test_same_markup_as_djangos_date_input(value):
    from common.html import FastDateInput

    fast = FastDateInput(attrs={"type": "date"}).render("d", value, attrs={"id": "id_d"})
    django = forms.DateInput(attrs={"type": "date"}).render("d", value, attrs={"id": "id_d"})
    assert parse_html(fast) == parse_html(django)


@pytest.mark.parametrize("value", [None, "", "reception", '"><script>'])
def test_same_markup_as_djangos_hidden_input(value):
    from common.html import FastHiddenInput

    fast = FastHiddenInput().render("moment", value, attrs={"id": "id_moment"})
    django = forms.HiddenInput().render("moment", value, attrs={"id": "id_moment"})
    assert parse_html(fast) == parse_html(django)


@pytest.mark.parametrize("value", [None, 3, "3", "9"])
@pytest.mark.parametrize("attrs", [{"id": "id_s", "aria-invalid": "true"}, {}])
def test_same_markup_as_djangos_radio_select(value, attrs):
    from common.html import RadioSelect

    choices = [(5, "5 - Rất hài lòng"), (3, 'Chấp nhận <được> & "ổn"'), (1, "1")]
    fast = RadioSelect(choices=choices, attrs={"class": "scale"}).render("s", value, attrs=attrs)
    django = forms.RadioSelect(choices=choices, attrs={"class": "scale"}).render(
        "s", value, attrs=attrs
    )
    assert fast == django
    # Templates tell a group of radios by its widget type, as for Django's own.
    form = type("F", (forms.Form,), {"s": forms.ChoiceField(choices=choices, widget=RadioSelect)})()
    assert form["s"].widget_type == "radioselect"
