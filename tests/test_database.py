import os

import pytest
from django.db import connection


@pytest.mark.django_db
def test_suite_runs_on_the_database_ci_asked_for():
    """CI's second run sets EXPECT_DB_VENDOR=postgresql; this proves the run used it."""
    expected = os.environ.get("EXPECT_DB_VENDOR", "sqlite")
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    print(f"database vendor: {connection.vendor} ({connection.settings_dict['NAME']})")
    assert connection.vendor == expected
