"""Fill the load test's database (`bench/load_test.sh` runs this; not a test): customers,
the portal accounts of some of them and a few staff members, each with a signed-in
session, written to sessions.json for the locust users to take.

    DATABASE_URL=... .venv/bin/python bench/load/prepare.py --customers 5000 --portal 300
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "herocon_registry.settings")

import django  # noqa: E402

django.setup()

from allauth.account.models import EmailAddress  # noqa: E402
from allauth.mfa.totp.internal.auth import TOTP  # noqa: E402
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY  # noqa: E402
from django.contrib.auth.models import Group  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import transaction  # noqa: E402

from customers import roles  # noqa: E402
from customers.middleware import LOGIN_AT  # noqa: E402
from customers.models import Customer, DataSource, StaffRoleGrant, User, helsinki_today  # noqa: E402

FIRST = ["Aino", "Eero", "Liisa", "Mikko", "Helmi", "Juha", "Saara", "Ville", "Noora", "Otto"]
LAST = ["Virtanen", "Korhonen", "Mäkinen", "Nieminen", "Hämäläinen", "Laine", "Koskinen"]
CITIES = [("00100", "Helsinki"), ("33100", "Tampere"), ("20100", "Turku"), ("90100", "Oulu")]


def signed_in_session(user: User) -> str:
    """A session as allauth's login leaves it, recent enough for the downloads' re-check."""
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "customers.backends.RoleGrantBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session[LOGIN_AT] = time.time()
    session["account_authentication_methods"] = [
        {"method": "password", "at": time.time(), "email": user.email, "reauthenticated": True}
    ]
    session["account_authentication_methods_user"] = str(user.pk)
    session.create()
    return session.session_key


@transaction.atomic
def fill(customers: int, portal: int, staff: int) -> dict[str, list[str]]:
    people = []
    for n in range(customers):
        postal_code, city = CITIES[n % len(CITIES)]
        people.append(
            Customer(
                kind=Customer.Kind.PERSON,
                name=f"{FIRST[n % len(FIRST)]} {LAST[(n // len(FIRST)) % len(LAST)]} {n}",
                email=f"asiakas{n}@example.com",
                street_address=f"Kuormakatu {n % 90 + 1}",
                postal_code=postal_code,
                city=city,
                country="FI",
                source=DataSource.WEB_FORM,
            )
        )
    people = Customer.objects.bulk_create(people, batch_size=2000)
    sessions: dict[str, list[str]] = {"customer": [], "staff": []}
    for customer in people[:portal]:
        user = User.objects.create_user(email=customer.email, password="kuormatestin salasana 1")
        EmailAddress.objects.create(user=user, email=user.email, verified=True, primary=True)
        Customer.objects.filter(pk=customer.pk).update(user=user)
        sessions["customer"].append(signed_in_session(user))
    group = Group.objects.get(name=roles.CUSTOMER_SERVICE)
    for n in range(staff):
        user = User.objects.create_user(
            email=f"asiakaspalvelu{n}@herocon.example", password=None, is_staff=True
        )
        TOTP.activate(user, "JBSWY3DPEHPK3PXP")
        until = helsinki_today().replace(year=helsinki_today().year + 1)
        StaffRoleGrant.objects.create(
            user=user, group=group, reason="Load test", valid_until=until, approved_until=until
        )
        sessions["staff"].append(signed_in_session(user))
    return sessions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=5000)
    parser.add_argument("--portal", type=int, default=300)
    parser.add_argument("--staff", type=int, default=20)
    parser.add_argument("--output", type=Path, default=ROOT / "var" / "load" / "sessions.json")
    args = parser.parse_args()
    sessions = fill(args.customers, args.portal, args.staff)
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(sessions))
    print(
        f"{args.customers} customers, {len(sessions['customer'])} portal and "
        f"{len(sessions['staff'])} staff sessions in {args.output}"
    )


if __name__ == "__main__":
    main()
