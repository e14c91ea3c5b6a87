import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.db.migrations.loader import MigrationLoader

pytestmark = pytest.mark.django_db


def test_search_extensions_are_installed():
    with connection.cursor() as cursor:
        cursor.execute("SELECT extname FROM pg_extension")
        installed = {row[0] for row in cursor.fetchall()}
    assert {"unaccent", "pg_trgm", "btree_gin"} <= installed


def test_unaccent_folds_vietnamese_diacritics():
    with connection.cursor() as cursor:
        cursor.execute("SELECT unaccent(%s)", ["Đăng ký khai sinh hộ tịch"])
        # unaccent maps đ/Đ to d/D as well as stripping tone marks.
        assert cursor.fetchone()[0] == "Dang ky khai sinh ho tich"


def test_custom_user_model_is_in_the_first_migration():
    assert get_user_model()._meta.label == "identity.User"
    loader = MigrationLoader(connection)
    first = loader.get_migration("identity", "0001_initial")
    created = {op.name for op in first.operations if hasattr(op, "name")}
    assert "User" in created
