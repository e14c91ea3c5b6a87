"""Vietnamese alphabetical order: A Ă Â B C D Đ E Ê ... (migration 0003)."""

import pytest
from django.contrib.auth import get_user_model
from django.db import connection

from procedures.models import Agency, Field, Procedure, vietnamese
from procedures.selectors import catalogue_filter_options
from tests.helpers import force_login_verified
from tests.procedures.factories import AgencyFactory, ProcedureFactory

pytestmark = pytest.mark.django_db

# Shuffled on purpose; VIETNAMESE_ORDER is how a Vietnamese index lists them.
NAMES = ["Giáo dục", "Đất đai", "Dân số", "Ân xá", "Ăn uống", "An ninh", "Bảo hiểm", "Âm nhạc"]
VIETNAMESE_ORDER = [
    "An ninh",
    "Ăn uống",
    "Âm nhạc",
    "Ân xá",
    "Bảo hiểm",
    "Dân số",
    "Đất đai",
    "Giáo dục",
]


@pytest.fixture
def icu():
    """Skip where the server has no ICU (the embedded fallback PostgreSQL)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_collation WHERE collname = 'vi-x-icu'")
        if cursor.fetchone() is None:
            pytest.skip("this PostgreSQL has no ICU: the collation falls back to code points")


@pytest.fixture
def admin_client(client):
    user = get_user_model().objects.create_superuser("root", "root@example.org", "x" * 12)
    return force_login_verified(client, user)


def test_the_vietnamese_collation_exists_whatever_the_server():
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_collation WHERE collname = 'vietnamese'")
        assert cursor.fetchone() is not None
    # Usable in queries in any case (ICU or the "C" fallback).
    assert Procedure.objects.order_by(vietnamese("name")).count() >= 0


def test_fields_sort_d_stroke_after_d_and_a_breve_circumflex_after_a(icu):
    for i, name in enumerate(NAMES):
        Field.objects.create(code=f"F{i}", name=name)

    assert list(Field.objects.values_list("name", flat=True)) == VIETNAMESE_ORDER
    assert [name for _, name in catalogue_filter_options()["fields"]] == VIETNAMESE_ORDER


def test_agencies_and_procedure_names_sort_the_vietnamese_way(icu):
    for name in NAMES:
        AgencyFactory(name=f"{name}", kind="department")
        ProcedureFactory(name=name)

    agencies = Agency.objects.filter(name__in=NAMES).order_by("name")
    assert list(agencies.values_list("name", flat=True)) == VIETNAMESE_ORDER
    procedures = Procedure.objects.filter(name__in=NAMES).order_by(vietnamese("name"))
    assert list(procedures.values_list("name", flat=True)) == VIETNAMESE_ORDER
    options = [n for _, n in catalogue_filter_options()["agencies"] if n in NAMES]
    assert options == VIETNAMESE_ORDER


def test_admin_sorts_procedures_by_name_in_vietnamese_order(icu, admin_client):
    for name in NAMES:
        ProcedureFactory(name=name)

    response = admin_client.get("/admin/procedures/procedure/?o=2")

    html = response.content.decode()
    positions = [html.index(f">{name}<") for name in VIETNAMESE_ORDER]
    assert positions == sorted(positions)
