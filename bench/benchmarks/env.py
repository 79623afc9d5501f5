"""The bench databases and the environment every benchmarked process runs in.

Databases are named after their size (`bench_1k`, `bench_100k`, `bench_1m`), on
PostgreSQL at 127.0.0.1 or as SQLite files under var/bench/. Only a database whose name
starts with `bench_` is ever dropped, so a typo cannot reach the project's own ones.
"""

import os
import secrets
import shutil
import sqlite3
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parents[2]
BENCH_VAR = ROOT / "var" / "bench"
PYTHON = sys.executable
PG_SERVER = "postgres://postgres@127.0.0.1:5432"
PREFIX = "bench_"


def size_label(size: int) -> str:
    """1000 -> 1k, 20000 -> 20k, 1000000 -> 1m (other sizes keep their digits)."""
    for unit, suffix in ((1_000_000, "m"), (1_000, "k")):
        if size >= unit and size % unit == 0:
            return f"{size // unit}{suffix}"
    return str(size)


def database_url(engine: str, size: int) -> str:
    """The bench database of `size` customers on `engine` ("postgres" or "sqlite")."""
    name = f"{PREFIX}{size_label(size)}"
    if engine == "sqlite":
        return f"sqlite:///{BENCH_VAR / 'sqlite' / name}.sqlite3"
    return f"{PG_SERVER}/{name}"


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite:")


def sqlite_path(url: str) -> Path:
    return Path(url.removeprefix("sqlite://"))


def database_name(url: str) -> str:
    """`bench_1m` for both postgres://.../bench_1m and sqlite:///.../bench_1m.sqlite3."""
    if is_sqlite(url):
        return sqlite_path(url).stem
    return urlsplit(url).path.lstrip("/")


def with_database(url: str, name: str) -> str:
    """The same server, another database (PostgreSQL) or file (SQLite)."""
    if is_sqlite(url):
        return f"sqlite:///{sqlite_path(url).with_name(name + '.sqlite3')}"
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _engine_dir(url: str) -> Path:
    return BENCH_VAR / ("sqlite" if is_sqlite(url) else "postgres")


def data_dir(url: str) -> Path:
    """Per-database files (the erasure journal) live next to it, never in var/ itself."""
    return _engine_dir(url) / database_name(url)


def metadata_path(url: str) -> Path:
    """What bench/generate.py wrote into the database, so a run can reuse it."""
    return _engine_dir(url) / f"{database_name(url)}.json"


def django_env(url: str, secret_key: str | None = None) -> dict[str, str]:
    """Production-like settings (DEBUG off, so no query log grows; connections kept as in
    .env.example) on the bench database; mail goes nowhere (a closed port)."""
    env = dict(os.environ)
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "herocon_registry.settings",
            "PYTHONPATH": str(ROOT),
            "DATABASE_URL": url,
            "DATABASE_CONN_MAX_AGE": "60",
            "DATA_DIR": str(data_dir(url)),
            # DEBUG off serves the collected, hashed static files (run.py collects them).
            "STATIC_ROOT": str(BENCH_VAR / "static"),
            "DEBUG": "false",
            "SECRET_KEY": secret_key or env.get("BENCH_SECRET_KEY") or secrets.token_urlsafe(50),
            "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
            "SECURE_COOKIES": "false",
            "LOG_LEVEL": "WARNING",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": "1",
            "EMAIL_USE_TLS": "false",
        }
    )
    return env


def setup_django(url: str, secret_key: str | None = None) -> None:
    """Point this process's Django at `url` and set it up."""
    env = django_env(url, secret_key)
    os.environ.update(env)
    data_dir(url).mkdir(parents=True, exist_ok=True)
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _check_name(url: str) -> str:
    name = database_name(url)
    if not name.startswith(PREFIX):
        raise SystemExit(f"Refusing to drop {name!r}: bench databases are named {PREFIX}*.")
    return name


def _admin_connection(url: str):
    import psycopg2

    connection = psycopg2.connect(with_database(url, "postgres"))
    connection.autocommit = True
    return connection


def check_server(url: str) -> None:
    """Fail with a clear message when PostgreSQL is not answering."""
    if is_sqlite(url):
        return
    import psycopg2

    try:
        _admin_connection(url).close()
    except psycopg2.OperationalError as exc:
        first = str(exc).strip().splitlines()[0]
        raise SystemExit(
            f"PostgreSQL does not answer at {with_database(url, '')}: {first}"
        ) from None


def database_exists(url: str) -> bool:
    if is_sqlite(url):
        return sqlite_path(url).exists()
    with _admin_connection(url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [database_name(url)])
        return cursor.fetchone() is not None


def drop_database(url: str) -> None:
    name = _check_name(url)
    shutil.rmtree(data_dir(url), ignore_errors=True)
    if is_sqlite(url):
        path = sqlite_path(url)
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    connection = _admin_connection(url)
    try:
        with connection.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        connection.close()


def create_database(url: str, template: str | None = None) -> None:
    """A fresh, empty database (or a copy of `template`, another bench database URL)."""
    name = _check_name(url)
    drop_database(url)
    data_dir(url).mkdir(parents=True, exist_ok=True)
    if is_sqlite(url):
        sqlite_path(url).parent.mkdir(parents=True, exist_ok=True)
        if template:
            # The backup API copies a consistent state, WAL included.
            with (
                sqlite3.connect(sqlite_path(template)) as source,
                sqlite3.connect(sqlite_path(url)) as target,
            ):
                source.backup(target)
            source.close()
            target.close()
        return
    import psycopg2.errors

    sql = f'CREATE DATABASE "{name}"'
    if template:
        sql += f' TEMPLATE "{database_name(template)}"'
    connection = _admin_connection(url)
    try:
        with connection.cursor() as cursor:
            for attempt in range(30):
                try:
                    cursor.execute(sql)
                    return
                except psycopg2.errors.ObjectInUse:
                    # A template must have no other session; autovacuum may hold one
                    # for a moment after a bulk load.
                    if attempt == 29:
                        raise
                    time.sleep(2)
    finally:
        connection.close()
