"""Structure checks of the personal ID number (CCCD) and the enterprise code.

Pure functions, no database: forms, services and the admin all call them, and each
mismatch has its own message so a citizen knows which part they mistyped.
"""

import csv
import datetime
import functools
import re
from pathlib import Path

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from identity.constants import Sex

ID_NUMBER_RE = re.compile(r"^\d{12}$")
ENTERPRISE_CODE_RE = re.compile(r"^(\d{10})(?:-(\d{3}))?$")
PROVINCES_FILE = Path(__file__).resolve().parent / "data" / "provinces.csv"

# Circular 59/2021/TT-BCA art. 7: the 4th digit encodes the century of birth and sex.
CENTURY_SEX_DIGITS = {
    0: (1900, Sex.MALE),
    1: (1900, Sex.FEMALE),
    2: (2000, Sex.MALE),
    3: (2000, Sex.FEMALE),
    4: (2100, Sex.MALE),
    5: (2100, Sex.FEMALE),
    6: (2200, Sex.MALE),
    7: (2200, Sex.FEMALE),
    8: (2300, Sex.MALE),
    9: (2300, Sex.FEMALE),
}

# Circular 105/2020/TT-BTC: N10 = 10 - (sum(weight_i * N_i) mod 11) over N1..N9.
TAX_CODE_WEIGHTS = (31, 29, 23, 19, 17, 13, 7, 5, 3)


@functools.cache
def province_codes() -> dict[str, str]:
    """The province-of-birth codes (Circular 07/2016/TT-BCA, annex), code -> name.

    Kept as data: the codes of the 63 provinces before the 2025 merger stay valid
    for everyone born there, so the list only ever grows.
    """
    with PROVINCES_FILE.open(encoding="utf-8") as handle:
        return {row["code"]: row["name"] for row in csv.DictReader(handle)}


def normalize_id_number(value: str) -> str:
    return re.sub(r"[\s.\-]", "", value or "")


def id_number_errors(
    id_number: str, *, birth_date: datetime.date | None = None, sex: str | None = None
) -> list[ValidationError]:
    """Every structural problem of a 12-digit personal ID number, one error each."""
    if not ID_NUMBER_RE.match(id_number):
        return [
            ValidationError(
                _("The personal ID number must have exactly 12 digits."), code="id_shape"
            )
        ]
    errors = []
    if id_number[:3] not in province_codes():
        errors.append(
            ValidationError(
                _("The first 3 digits (%(code)s) are not a province code of birth."),
                code="id_province",
                params={"code": id_number[:3]},
            )
        )
    century, encoded_sex = CENTURY_SEX_DIGITS[int(id_number[3])]
    if birth_date is not None and not century <= birth_date.year < century + 100:
        errors.append(
            ValidationError(
                _(
                    "The 4th digit (%(digit)s) means born in %(start)s-%(end)s, which does "
                    "not match the date of birth."
                ),
                code="id_century",
                params={"digit": id_number[3], "start": century, "end": century + 99},
            )
        )
    if sex and sex != encoded_sex:
        errors.append(
            ValidationError(
                _("The 4th digit (%(digit)s) does not match the sex you entered."),
                code="id_sex",
                params={"digit": id_number[3]},
            )
        )
    if birth_date is not None and id_number[4:6] != f"{birth_date.year % 100:02d}":
        errors.append(
            ValidationError(
                _(
                    "Digits 5 and 6 (%(digits)s) must be the last two digits of the year "
                    "of birth (%(year)s)."
                ),
                code="id_year",
                params={"digits": id_number[4:6], "year": birth_date.year},
            )
        )
    return errors


def validate_id_number(id_number: str, *, birth_date=None, sex=None) -> None:
    errors = id_number_errors(id_number, birth_date=birth_date, sex=sex)
    if errors:
        raise ValidationError(errors)


def tax_code_check_digit(first_nine: str) -> int | None:
    """The check digit of a 10-digit enterprise code, or None if none is possible."""
    total = sum(w * int(d) for w, d in zip(TAX_CODE_WEIGHTS, first_nine, strict=True))
    digit = 10 - total % 11
    # A remainder of 0 would need a check digit of 10: such numbers are never issued.
    return None if digit == 10 else digit


def normalize_enterprise_code(value: str) -> str:
    return re.sub(r"\s", "", value or "")


def validate_enterprise_code(code: str) -> None:
    """10 digits with the official check digit, or 10-3 for a branch (chi nhánh)."""
    match = ENTERPRISE_CODE_RE.match(code)
    if not match:
        raise ValidationError(
            _(
                "The enterprise code must have 10 digits, or 10 digits, a dash and 3 "
                "digits for a branch (e.g. 0100109106-001)."
            ),
            code="tax_shape",
        )
    main, branch = match.groups()
    if tax_code_check_digit(main[:9]) != int(main[9]):
        raise ValidationError(
            _("The enterprise code %(code)s has a wrong check digit: please check it."),
            code="tax_check_digit",
            params={"code": main},
        )
    if branch == "000":
        raise ValidationError(_("A branch number cannot be 000."), code="tax_branch")


def mask_id_number(value: str) -> str:
    """Show only the last 3 digits, e.g. *********123."""
    if not value:
        return ""
    return "*" * (len(value) - 3) + value[-3:]


PHONE_RE = re.compile(r"^0[35789]\d{8}$")


def normalize_phone(value: str) -> str:
    """Vietnamese mobile numbers in the national form 0xxxxxxxxx (+84 accepted)."""
    digits = re.sub(r"[\s.\-()]", "", value or "")
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits


def validate_phone(phone: str) -> None:
    if not PHONE_RE.match(phone):
        raise ValidationError(
            _("Enter a Vietnamese mobile number of 10 digits, e.g. 0912345678."),
            code="phone_shape",
        )
