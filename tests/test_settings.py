"""The settings module reads only the environment, refuses bad values, and is
production-clean when production variables are set."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from herocon_registry.env import env_bool, env_int, env_list

ROOT = Path(__file__).resolve().parent.parent

PRODUCTION_ENV = {
    "SECRET_KEY": "x" * 60 + "-production-secret-for-the-check-only",
    "ALLOWED_HOSTS": "rekisteri.herocon.fi",
    "DATABASE_URL": "postgres://herocon@127.0.0.1:5432/herocon",
    "SECURE_COOKIES": "true",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS": "true",
    "SECURE_HSTS_PRELOAD": "true",
    "CONSENT_SUPPRESSION_KEY": "y" * 50 + "-suppression-key-for-the-check-only",
    "MFA_ENCRYPTION_KEYS": "bUZ4eW9jZ2lwbzlMcXJzVUlyT1JzZ0JjT0RUQ2dWeW8=",
}


def _run(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    skip = {"DEBUG", "SECRET_KEY", "DJANGO_ALLOW_ASYNC_UNSAFE"}  # the last: set by browser tests
    clean = {k: v for k, v in os.environ.items() if k not in skip}
    clean.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, *args],
        cwd=ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_env_bool_refuses_a_value_that_is_not_a_boolean(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "maybe")
    with pytest.raises(ImproperlyConfigured, match="SOME_FLAG"):
        env_bool("SOME_FLAG")


def test_env_bool_reads_the_usual_spellings(monkeypatch):
    monkeypatch.setenv("SOME_FLAG", "Yes")
    assert env_bool("SOME_FLAG") is True
    monkeypatch.setenv("SOME_FLAG", "off")
    assert env_bool("SOME_FLAG", default=True) is False


def test_env_int_refuses_text_and_values_below_the_minimum(monkeypatch):
    monkeypatch.setenv("SOME_NUMBER", "ten")
    with pytest.raises(ImproperlyConfigured, match="SOME_NUMBER"):
        env_int("SOME_NUMBER", 1)
    monkeypatch.setenv("SOME_NUMBER", "-1")
    with pytest.raises(ImproperlyConfigured, match="at least 0"):
        env_int("SOME_NUMBER", 1, minimum=0)


def test_env_list_splits_on_commas_and_drops_blanks(monkeypatch):
    monkeypatch.setenv("SOME_LIST", " a.fi, ,b.fi ")
    assert env_list("SOME_LIST") == ["a.fi", "b.fi"]


def test_env_example_lists_every_variable_the_settings_read():
    source = (ROOT / "herocon_registry" / "settings.py").read_text()
    read = set(re.findall(r'env_(?:str|bool|int|list)\(\s*"([A-Z_]+)"', source))
    listed = set(re.findall(r"^([A-Z_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert read, "no env_* calls found: the pattern is out of date"
    assert read - listed == set()


def test_deploy_check_is_clean_with_production_variables():
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], PRODUCTION_ENV)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_debug_off_without_a_secret_key_refuses_to_start():
    result = _run(["manage.py", "check"], {"DEBUG": "false"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_a_bad_boolean_in_the_environment_stops_start_up_with_its_name():
    result = _run(["manage.py", "check"], {"SECURE_COOKIES": "sometimes"})
    assert result.returncode != 0
    assert "SECURE_COOKIES" in result.stderr


def test_healthz_answers_503_when_the_database_does_not_answer():
    # A real server that is not there: port 9 on loopback refuses connections.
    script = (
        "import django, os;"
        "os.environ['DJANGO_SETTINGS_MODULE']='herocon_registry.settings';"
        "django.setup();"
        "from django.test import Client;"
        "r = Client(HTTP_HOST='127.0.0.1').get('/healthz');"
        "print(r.status_code)"
    )
    result = _run(["-c", script], {"DATABASE_URL": "postgres://nobody@127.0.0.1:9/none"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "503"


def test_deploy_check_warns_when_the_suppression_key_is_missing():
    env = {k: v for k, v in PRODUCTION_ENV.items() if k != "CONSENT_SUPPRESSION_KEY"}
    result = _run(["manage.py", "check", "--deploy", "--fail-level", "WARNING"], env)
    assert result.returncode != 0
    assert "consents.W001" in result.stderr
