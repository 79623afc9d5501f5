"""An in-process Django worker on one bench database, driven by the harness.

It times staff and portal pages with `django.test.Client` (the server's own time: no
network, no browser) and one erasure through the service the admin calls
(`privacy.services.erasure.customer_erase`). Commands come one JSON line at a time on
standard input and each answer is one JSON line, so the harness can keep a worker per
database and measure them turn about.

    python bench/benchmarks/worker.py DATABASE_URL   (the environment from env.django_env)

Logins are what the app's own login leaves behind: `force_login` of a staff superuser
with TOTP set up (the staff MFA middleware asks for it), and of a portal customer whose
session carries a fresh password reauthentication record, as allauth writes it after
the reauthentication form (the downloads require one within five minutes).
"""

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import env

ADMIN_EMAIL = "bench-superuser@herocon.example"
TOTP_SECRET = "JBSWY3DPEHPK3PXP"  # noqa: S105 (a bench account's documented test secret)
CLIENT_IP = "203.0.113.10"
# A typical portal person: a few purchases and consent events, acting for an organization.
TYPICAL_PURCHASES = (2, 4)
TYPICAL_CONSENTS = (1, 3)


class Worker:
    def __init__(self) -> None:
        from django.conf import settings
        from django.core import mail
        from django.test import Client

        # The erasure receipt is mailed on commit: keep it in memory, as the tests do.
        settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
        mail.outbox = []
        self.admin = self._superuser()
        self.admin_client = Client()
        self.admin_client.force_login(self.admin)
        self.person = self._typical_person()
        self.portal_client = Client()
        self.portal_client.force_login(self.person.user)
        self.erased: list[int] = []

    def _superuser(self) -> Any:
        from allauth.mfa.totp.internal.auth import TOTP

        from customers.models import User

        user = User.objects.filter(email=ADMIN_EMAIL).first()
        if user is None:
            user = User.objects.create_superuser(email=ADMIN_EMAIL, password=None)
            TOTP.activate(user, TOTP_SECRET)
        return user

    def _typical(self, *, with_organization: bool, newest_first: bool) -> Any:
        """Persons with a portal account and a typical amount of data, one at a time."""
        from django.db.models import Count, Q

        from customers.models import Customer

        candidates = (
            Customer.objects.filter(kind="person", user__isnull=False, erased_at__isnull=True)
            .exclude(user__email=ADMIN_EMAIL)
            .order_by("-pk" if newest_first else "pk")
            .select_related("user")
        )
        for customer in candidates.iterator(chunk_size=100):
            counts = Customer.objects.filter(pk=customer.pk).aggregate(
                purchases=Count("purchases", distinct=True),
                consents=Count("consent_events", distinct=True),
                organizations=Count(
                    "authorizations", filter=Q(authorizations__valid_until=None), distinct=True
                ),
            )
            if not TYPICAL_PURCHASES[0] <= counts["purchases"] <= TYPICAL_PURCHASES[1]:
                continue
            if not TYPICAL_CONSENTS[0] <= counts["consents"] <= TYPICAL_CONSENTS[1]:
                continue
            if with_organization and not counts["organizations"]:
                continue
            yield customer

    def _typical_person(self) -> Any:
        person = next(self._typical(with_organization=True, newest_first=False), None)
        if person is None:
            raise SystemExit("No typical portal customer in this database: regenerate it.")
        return person

    def _reauthenticated(self) -> None:
        """The record allauth's reauthentication leaves in the session (flows.login)."""
        session = self.portal_client.session
        session["account_authentication_methods"] = [
            {
                "method": "password",
                "at": time.time(),
                "email": self.person.user.email,
                "reauthenticated": True,
            }
        ]
        session["account_authentication_methods_user"] = str(self.person.user.pk)
        session.save()

    # Commands -----------------------------------------------------------------------------

    def op_info(self) -> dict[str, Any]:
        from customers.models import Customer

        rare = (
            Customer.objects.filter(kind="person", pk__gte=Customer.objects.count() // 2)
            .exclude(email="")
            .order_by("pk")
            .values_list("email", flat=True)
            .first()
        )
        return {"portal_customer": self.person.pk, "rare_email": rare}

    def op_get(
        self, client: str, path: str, count_queries: bool = False, download: bool = False
    ) -> dict[str, Any]:
        """One GET; its time, status, size and (with count_queries, in a run of its own)
        the number of SQL queries."""
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        browser = self.admin_client if client == "admin" else self.portal_client
        if download:
            self._reauthenticated()
        if count_queries:
            with CaptureQueriesContext(connection) as captured:
                response = browser.get(path)
            queries = len(captured)
        else:
            started = time.perf_counter()
            response = browser.get(path)
            body = (
                response.content if not response.streaming else b"".join(response.streaming_content)
            )
            elapsed = time.perf_counter() - started
            queries = None
        if response.status_code != 200:
            raise SystemExit(
                f"GET {path} answered {response.status_code} {response.get('Location', '')}"
            )
        size = len(response.content) if not response.streaming else None
        result = {"status": response.status_code, "bytes": size, "queries": queries}
        if not count_queries:
            result["ms"] = elapsed * 1000
            result["bytes"] = len(body)
        return result

    def op_erase(self, count_queries: bool = False) -> dict[str, Any]:
        """Erase the next typical person (never the one whose pages are measured)."""
        from django.core import mail
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from privacy.services.erasure import customer_erase

        customer = next(
            (
                c
                for c in self._typical(with_organization=False, newest_first=True)
                if c.pk != self.person.pk
            ),
            None,
        )
        if customer is None:
            raise SystemExit("No typical customer left to erase: regenerate the database.")
        started = time.perf_counter()
        if count_queries:
            with CaptureQueriesContext(connection) as captured:
                customer_erase(customer=customer, actor=self.admin, client_ip=CLIENT_IP)
        else:
            customer_erase(customer=customer, actor=self.admin, client_ip=CLIENT_IP)
        elapsed = time.perf_counter() - started
        mail.outbox.clear()
        return {
            "ms": None if count_queries else elapsed * 1000,
            "queries": len(captured) if count_queries else None,
            "customer": customer.pk,
        }


class WorkerProcess:
    """The harness's end: start a worker on a database, send it commands."""

    def __init__(self, url: str, environment: dict[str, str]) -> None:
        self.url = url
        self.process = subprocess.Popen(  # noqa: S603 (our interpreter, this script)
            [env.PYTHON, str(Path(__file__).resolve()), url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=environment,
            cwd=env.ROOT,
        )
        self._answer()

    def _answer(self) -> dict[str, Any]:
        line = self.process.stdout.readline()
        if not line:
            code = self.process.wait()
            raise RuntimeError(f"the worker on {env.database_name(self.url)} stopped ({code})")
        return json.loads(line)

    def call(self, op: str, **arguments: Any) -> dict[str, Any]:
        self.process.stdin.write(json.dumps({"op": op, **arguments}) + "\n")
        self.process.stdin.flush()
        return self._answer()

    def __enter__(self) -> "WorkerProcess":
        return self

    def __exit__(self, *exc: object) -> None:
        self.process.stdin.close()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def main() -> None:
    channel = sys.stdout
    sys.stdout = sys.stderr  # only answers go to the harness
    env.setup_django(sys.argv[1])
    worker = Worker()
    channel.write(json.dumps({"ready": True}) + "\n")
    channel.flush()
    for line in sys.stdin:
        command = json.loads(line)
        operation = getattr(worker, "op_" + command.pop("op"))
        channel.write(json.dumps(operation(**command)) + "\n")
        channel.flush()


if __name__ == "__main__":
    main()
