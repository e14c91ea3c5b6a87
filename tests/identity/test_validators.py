import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given
from hypothesis import strategies as st

from identity.validators import (
    id_number_errors,
    mask_id_number,
    tax_code_check_digit,
    validate_enterprise_code,
)

BORN_1990 = datetime.date(1990, 3, 4)


def codes(id_number, birth=BORN_1990, sex="female"):
    return [e.code for e in id_number_errors(id_number, birth_date=birth, sex=sex)]


def test_a_consistent_number_passes():
    assert codes("079190000777") == []
    assert codes("001303000001", datetime.date(2003, 1, 1), "female") == []
    assert codes("001200000001", datetime.date(2000, 1, 1), "male") == []


@pytest.mark.parametrize("value", ["", "07919000077", "0791900007777", "07919000077a", "abc"])
def test_wrong_shape(value):
    assert codes(value) == ["id_shape"]


def test_unknown_province_code():
    errors = id_number_errors("003190000777", birth_date=BORN_1990, sex="female")
    assert [e.code for e in errors] == ["id_province"]
    assert "003" in str(errors[0].message % errors[0].params)


def test_century_digit_against_birth_date():
    # 3 = woman born 2000-2099, but the date says 1990.
    assert codes("079390000777") == ["id_century"]


def test_sex_digit_against_sex():
    assert codes("079090000777") == ["id_sex"]


def test_year_digits_against_birth_year():
    assert codes("079191000777") == ["id_year"]


def test_every_mismatch_is_reported_separately():
    # 2 = a man born 2000-2099: wrong century and wrong sex for a woman born 1990.
    assert codes("003291000777") == ["id_province", "id_century", "id_sex", "id_year"]


@pytest.mark.parametrize("code", ["0100109106", "0100109106-001", "0300588569"])
def test_real_enterprise_codes_pass(code):
    validate_enterprise_code(code)


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("0100109107", "tax_check_digit"),
        ("010010910", "tax_shape"),
        ("0100109106-01", "tax_shape"),
        ("0100109106-000", "tax_branch"),
        ("01001091O6", "tax_shape"),
    ],
)
def test_bad_enterprise_codes(code, error):
    with pytest.raises(ValidationError) as info:
        validate_enterprise_code(code)
    assert info.value.code == error


@given(st.text(alphabet="0123456789", min_size=9, max_size=9))
def test_check_digit_makes_a_valid_code_or_none(first_nine):
    digit = tax_code_check_digit(first_nine)
    if digit is None:
        return
    validate_enterprise_code(first_nine + str(digit))
    wrong = (digit + 1) % 10
    with pytest.raises(ValidationError):
        validate_enterprise_code(first_nine + str(wrong))


def test_masking_keeps_only_the_last_three_digits():
    assert mask_id_number("079190000777") == "*********777"
