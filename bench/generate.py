"""Fill a bench register with N customers of realistic Finnish data (`make bench`; not a test).

    .venv/bin/python bench/generate.py --customers 1000000 --create \
        --database-url postgres://postgres@127.0.0.1:5432/bench_1m

Persons and organizations (85/15) with valid Y-tunnus, OVT e-invoice addresses and billing
profiles, authorizations person -> organization, about two consent events and three
purchases per customer, social media profiles, data subject requests, a few thousand portal
accounts with verified emails, some staff with role grants (a few of them expired) and an
audit log with a valid hash chain (`verify_audit_log` passes). Every row satisfies the
models' constraints and validators; the randomness is seeded, so a size always gives the
same register.

Rows bypass the ORM for speed: COPY on PostgreSQL (a background thread sends one chunk
while the next is made), batched executemany on SQLite with each value prepared by its
model field (as bulk_create would, but without auto_now overwriting the historical times).
A small share of persons has had no contact for four years, so `purge_expired` has a
day's work; everyone else was in touch within the last 2.5 years.
"""

import argparse
import csv
import io
import json
import os
import queue
import random
import sys
import threading
import time
import uuid
from array import array
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from benchmarks import env, finnish

GENERATOR_VERSION = 2
ORGANIZATION_SHARE = 0.15
LAPSED_SHARE = 0.0005  # persons past the 3-year relationship retention
YEAR = 365.25
CHUNK = 20_000

PRODUCT_OWNERS = [
    ("Koulutustalo Pohjola Oy", "FI", "asiakaspalvelu@koulutustalo.example"),
    ("Ohjelmistotalo Kaleva Oy", "FI", "info@ohjelmistotalo.example"),
    ("Ensiapukoulutus Sisu Oy", "FI", "kurssit@ensiapu.example"),
    ("Turvallisuuskeskus Botnia Ab", "FI", "info@botnia.example"),
    ("Nordic Safety Training AB", "SE", "info@nordicsafety.example"),
]
# (code, name, owner index, price in cents)
PRODUCTS = [
    ("HC-KOUL-01", "Työturvallisuuskorttikoulutus", 0, 14900),
    ("HC-KOUL-02", "Tulityökortti-kurssi", 0, 12900),
    ("HC-KOUL-03", "Tieturva 1", 0, 16900),
    ("HC-KOUL-04", "Tieturva 2", 0, 24900),
    ("HC-KOUL-05", "Sähkötyöturvallisuus SFS 6002", 0, 19900),
    ("HC-KOUL-06", "Henkilönostinkoulutus", 3, 22900),
    ("HC-KOUL-07", "Trukkikorttikoulutus", 3, 27900),
    ("HC-KOUL-08", "Asbestityön perusteet", 3, 59000),
    ("HC-KOUL-09", "Rakennusalan perehdytys", 0, 8900),
    ("HC-KOUL-10", "Turvallisuusjohtamisen valmennus", 4, 129000),
    ("HC-EA-01", "Ensiapukoulutus EA1", 2, 17900),
    ("HC-EA-02", "Ensiapukoulutus EA2", 2, 15900),
    ("HC-EA-03", "Hätäensiapu 4 h", 2, 7900),
    ("HC-OHJ-01", "Työmaapäiväkirja-ohjelmisto, vuosilisenssi", 1, 148000),
    ("HC-OHJ-02", "Työmaapäiväkirja, lisäkäyttäjä", 1, 19000),
    ("HC-OHJ-03", "Kulunvalvonta pilvipalveluna, kuukausi", 1, 8900),
    ("HC-OHJ-04", "Perehdytysalusta, vuosilisenssi", 1, 99000),
    ("HC-OHJ-05", "Riskienarviointityökalu", 1, 49000),
]
SOCIAL_SOURCES = [
    "Yrityksen LinkedIn-sivu",
    "Asiakkaan julkinen profiili",
    "Messuilla annettu käyntikortti",
    "Kilpailuun osallistuminen Instagramissa",
]
PLATFORMS = finnish.weighted(
    [("linkedin", 50), ("facebook", 20), ("instagram", 15), ("x", 8), ("youtube", 4)]
)
ROLES = finnish.weighted([("admin", 30), ("purchaser", 40), ("billing", 20), ("viewer", 10)])
GRANTERS = ["toimitusjohtaja", "hallituksen puheenjohtaja", "talousjohtaja", "yrittäjä"]
EVIDENCE = ["Allekirjoitettu valtakirja", "Kaupparekisteriote", "Sähköposti toimitusjohtajalta"]
REQUEST_KINDS = finnish.weighted([
    ("access", 40), ("portability", 15), ("erasure", 15), ("rectification", 15),
    ("objection", 10), ("restriction", 5),
])  # fmt: skip
AUDIT_TYPES = finnish.weighted([
    ("customers.customer", 70), ("customers.purchase", 10), ("consents.consentevent", 10),
    ("customers.billingprofile", 5), ("customers.authorization", 5),
])  # fmt: skip
AUDIT_ACTIONS = finnish.weighted(
    [("view", 60), ("change", 20), ("create", 12), ("export", 5), ("import", 1)]
)
CHANGED_FIELDS = ["email", "phone", "street_address", "postal_code", "city", "name", "language"]
STAFF_PER_ROLE = 3
# Each portal account's own views and downloads, the same at every register size, so the
# per-person pages compare like with like.
PORTAL_EVENTS_PER_ACCOUNT = 10
EXPIRED_GRANTS = 5


def test_net_ip(rng: random.Random) -> str:
    """An address from the documentation ranges (RFC 5737): it names nobody."""
    return f"{rng.choice(['192.0.2', '198.51.100', '203.0.113'])}.{rng.randrange(1, 255)}"


# -- Writing rows ------------------------------------------------------------------------------


class _CopyThread(threading.Thread):
    """Sends CSV chunks with COPY on its own connection, so the next chunk is made while
    PostgreSQL loads this one (psycopg2 releases the GIL while it waits)."""

    def __init__(self, params: dict[str, Any]) -> None:
        super().__init__(daemon=True)
        self.params = params
        self.chunks: queue.Queue = queue.Queue(maxsize=2)
        self.error: BaseException | None = None

    def run(self) -> None:
        import psycopg2

        connection = psycopg2.connect(**self.params)
        try:
            with connection.cursor() as cursor:
                while (item := self.chunks.get()) is not None:
                    if self.error is None:
                        sql, buffer = item
                        try:
                            cursor.copy_expert(sql, buffer)
                            connection.commit()  # parents first, so every FK holds
                        except BaseException as exc:  # reported by the main thread
                            self.error = exc
                    self.chunks.task_done()
                self.chunks.task_done()
        finally:
            connection.close()

    def put(self, sql: str, buffer: io.StringIO) -> None:
        if self.error is not None:
            raise self.error
        self.chunks.put((sql, buffer))

    def finish(self) -> None:
        self.chunks.join()
        if self.error is not None:
            raise self.error


class Loader:
    """Writes rows (tuples in a stated column order) to a model's table."""

    def __init__(self) -> None:
        from django.db import connection

        self.connection = connection
        self.postgres = connection.vendor == "postgresql"
        self.copier: _CopyThread | None = None
        if self.postgres:
            self.copier = _CopyThread(connection.get_connection_params())
            self.copier.start()
        else:
            with connection.cursor() as cursor:
                cursor.execute("PRAGMA synchronous = OFF")

    def load(self, model: Any, columns: list[str], rows: Iterable[tuple]) -> int:
        """Every concrete column must be given, or be nullable or have a constant default
        (added here), so a field added to a model later cannot silently go missing."""
        columns, extra = self._complete(model, columns)
        started, count = time.perf_counter(), 0
        label = model._meta.db_table
        write = self._copy if self.postgres else self._insert
        batches = write(model, columns, extra, rows)
        live = sys.stdout.isatty()  # a log file gets the totals only
        for count in batches:
            if live:
                rate = count / (time.perf_counter() - started)
                print(f"  {label}: {count:,} rows, {rate:,.0f} rows/s", end="\r")
        if self.copier is not None:
            self.copier.finish()
        elapsed = time.perf_counter() - started
        rate = count / elapsed if elapsed else 0
        print(f"  {label}: {count:,} rows in {elapsed:.1f} s ({rate:,.0f} rows/s)      ")
        return count

    def _complete(self, model: Any, columns: list[str]) -> tuple[list[str], tuple]:
        names, extra = list(columns), []
        for field in model._meta.concrete_fields:
            generated = field.primary_key and field.get_internal_type().endswith("AutoField")
            if field.column in columns or generated:
                continue
            if field.null:
                value = None
            elif field.has_default() and not callable(field.default):
                value = field.get_default()
            else:
                raise SystemExit(f"bench/generate.py: no value for {label_of(field)}")
            names.append(field.column)
            extra.append(value)
        unknown = set(columns) - {f.column for f in model._meta.concrete_fields}
        if unknown:
            raise SystemExit(f"bench/generate.py: {model.__name__} has no {sorted(unknown)}")
        return names, tuple(extra)

    def _copy(self, model: Any, columns: list[str], extra: tuple, rows: Iterable[tuple]):
        by_column = {f.column: f for f in model._meta.concrete_fields}
        json_at = [
            i for i, c in enumerate(columns) if by_column[c].get_internal_type() == "JSONField"
        ]
        quoted = ", ".join(f'"{c}"' for c in columns)
        sql = f'COPY "{model._meta.db_table}" ({quoted}) FROM STDIN WITH (FORMAT csv)'
        count = 0
        buffer = io.StringIO()
        # QUOTE_NOTNULL: None is an unquoted empty field (NULL), "" a quoted one.
        writer = csv.writer(buffer, quoting=csv.QUOTE_NOTNULL, lineterminator="\n")
        for row in rows:
            if json_at:
                row = list(row)
                for i in json_at:
                    row[i] = json.dumps(row[i])
            writer.writerow((*row, *extra))
            count += 1
            if count % CHUNK == 0:
                buffer.seek(0)
                self.copier.put(sql, buffer)
                buffer = io.StringIO()
                writer = csv.writer(buffer, quoting=csv.QUOTE_NOTNULL, lineterminator="\n")
                yield count
        buffer.seek(0)
        self.copier.put(sql, buffer)
        yield count

    def _insert(self, model: Any, columns: list[str], extra: tuple, rows: Iterable[tuple]):
        from django.db import transaction

        by_column = {f.column: f for f in model._meta.concrete_fields}
        fields = [by_column[c] for c in columns]
        quoted = ", ".join(f'"{c}"' for c in columns)
        marks = ", ".join("%s" for _ in columns)
        sql = f'INSERT INTO "{model._meta.db_table}" ({quoted}) VALUES ({marks})'  # noqa: S608
        count, batch = 0, []
        for row in rows:
            values = (*row, *extra)
            batch.append(
                [
                    f.get_db_prep_save(v, self.connection)
                    for f, v in zip(fields, values, strict=True)
                ]
            )
            count += 1
            if len(batch) == 5000:
                with transaction.atomic(), self.connection.cursor() as cursor:
                    cursor.executemany(sql, batch)
                batch.clear()
                yield count
        if batch:
            with transaction.atomic(), self.connection.cursor() as cursor:
                cursor.executemany(sql, batch)
        yield count

    def close(self) -> None:
        if self.copier is not None:
            self.copier.chunks.put(None)
            self.copier.join()


def label_of(field: Any) -> str:
    return f"{field.model._meta.label}.{field.name}"


# -- The register ------------------------------------------------------------------------------


class Register:
    """Makes the rows table by table, keeping only what later tables need to refer to
    (kinds, times, who may buy for which organization)."""

    def __init__(self, customers: int, audit_events: int, portal_users: int, seed: int) -> None:
        self.size = customers
        self.audit_count = audit_events
        self.portal_users = portal_users
        self.rng = random.Random(seed)  # noqa: S311 (repeatable data, no secrets)
        self.now = finnish.utc_now()
        self.today = self.now.date()
        self.loader = Loader()
        self.counts: dict[str, int] = {}
        # Filled by customers(); 1 = organization
        self.kinds = bytearray(customers + 1)
        self.obtained = array("d", bytes(8 * (customers + 1)))
        self.lapsed: set[int] = set()
        self.persons = array("q")  # active persons, for authorizations
        self.organizations = array("q")
        self.portal: list[tuple[int, str, datetime]] = []
        self.side: dict[str, list[tuple]] = {"billing": [], "social": [], "requests": []}
        self.buyers: dict[int, list[tuple[int, date, date | None]]] = {}

    def load(self, model: Any, columns: list[str], rows: Iterable[tuple]) -> None:
        self.counts[model._meta.label] = self.loader.load(model, columns, rows)

    # Small tables through the ORM -----------------------------------------------------------

    def catalogue(self) -> list[tuple[int, int]]:
        """Product owners (privacy Recipients) and their products: (id, price in cents)."""
        from customers.models import Product
        from privacy.models import Recipient

        owners = [
            Recipient.objects.create(
                name=name, kind=Recipient.Kind.PRODUCT_OWNER, country=country, contact=contact
            )
            for name, country, contact in PRODUCT_OWNERS
        ]
        products = [
            Product.objects.create(code=code, name=name, owner=owners[owner])
            for code, name, owner, _ in PRODUCTS
        ]
        return [(p.pk, price) for p, (*_, price) in zip(products, PRODUCTS, strict=True)]

    def staff(self) -> list[int]:
        """A few staff members per role, each grant approved; some grants ended yesterday
        or before, for `expire_staff_access` to remove."""
        from django.contrib.auth.models import Group

        from customers import roles
        from customers.models import StaffRoleGrant, User

        ids = []
        groups = [Group.objects.get(name=name) for name in roles.ROLE_NAMES]
        for group in groups:
            for n in range(STAFF_PER_ROLE):
                slug = finnish.fold(group.name)
                user = User.objects.create_user(
                    email=f"{slug}{n + 1}@herocon.example", password=None, is_staff=True
                )
                user.groups.add(group)
                ids.append(user.pk)
                expired = len(ids) <= EXPIRED_GRANTS
                until = (
                    self.today - timedelta(days=len(ids))
                    if expired
                    else self.today + timedelta(days=300)
                )
                StaffRoleGrant.objects.create(
                    user=user,
                    group=group,
                    reason="Bench staff" if not expired else "Bench staff, project ended",
                    valid_from=until - timedelta(days=365),
                    valid_until=until,
                    approved_until=until,
                )
        return ids

    # Customers and what hangs off them --------------------------------------------------------

    def customers(self) -> Iterator[tuple]:
        rng = self.rng
        business_ids = finnish.business_ids(100_000)
        portal_share = min(1.0, 1.3 * self.portal_users / max(1, 0.85 * 0.9 * self.size))
        restriction = "Asiakas kiistää tietojen paikkansapitävyyden (GDPR 18(1)(a))."
        for cid in range(1, self.size + 1):
            organization = rng.random() < ORGANIZATION_SHARE
            if organization:
                values = finnish.organization(rng, next(business_ids))
                if rng.random() < 0.01:  # a foreign organization has no Y-tunnus
                    values.update(
                        business_id="", country="SE", postal_code="411 06", city="Göteborg"
                    )
            else:
                values = finnish.person(rng, cid)
            lapsed = not organization and rng.random() < LAPSED_SHARE
            obtained, created, updated = self._times(lapsed)
            restricted = rng.random() < 0.001
            self.kinds[cid] = organization
            self.obtained[cid] = obtained.timestamp()
            if organization:
                self.organizations.append(cid)
                self._billing(cid, values, obtained)
            elif lapsed:
                self.lapsed.add(cid)
            else:
                self.persons.append(cid)
                if (
                    values["email"]
                    and len(self.portal) < self.portal_users
                    and rng.random() < portal_share
                ):
                    self.portal.append((cid, values["email"], created))
            self._side_records(cid, values, obtained, lapsed)
            yield (
                cid, values["kind"], values["name"], values["business_id"], values["email"],
                values["phone"], values["street_address"], values["postal_code"], values["city"],
                values["country"], values["language"], restricted,
                updated if restricted else None, restriction if restricted else "",
                None, uuid.UUID(int=rng.getrandbits(128), version=4), values["notes"],
                None, None, None, values["source"], obtained, created, updated,
            )  # fmt: skip

    def _times(self, lapsed: bool) -> tuple[datetime, datetime, datetime]:
        """Obtained and created up to 8 years ago; last changed within 2.5 years (the
        relationship goes on), or, for a lapsed person, 3.6 or more years ago."""
        rng, now = self.rng, self.now
        if lapsed:
            obtained = finnish.moment(rng, now, 4.3 * YEAR, 8 * YEAR)
        else:
            obtained = finnish.moment(rng, now, 1, 8 * YEAR)
        created = obtained + timedelta(seconds=rng.randrange(0, 86400))
        if lapsed:
            oldest, newest = created, now - timedelta(days=3.6 * YEAR)
        else:
            oldest, newest = max(created, now - timedelta(days=2.5 * YEAR)), now
        updated = (oldest + (newest - oldest) * rng.random()).replace(microsecond=0)
        return obtained, created, max(created, updated)

    CUSTOMER_COLUMNS = [
        "id", "kind", "name", "business_id", "email", "phone", "street_address",
        "postal_code", "city", "country", "language", "restricted", "restricted_at",
        "restriction_reason", "user_id", "public_id", "notes", "notice_sent_at", "erased_at",
        "held_until", "source", "obtained_at", "created_at", "updated_at",
    ]  # fmt: skip

    def _billing(self, cid: int, values: dict, obtained: datetime) -> None:
        rng = self.rng
        domain = values["email"].partition("@")[2]
        for _ in range(2 if rng.random() < 0.1 else 1):
            e_invoice = operator = email = street = postal_code = city = ""
            channel = rng.random()
            if channel < 0.6 and values["business_id"]:
                e_invoice = finnish.ovt(values["business_id"], rng.choice(["", "", "01", "100"]))
                operator = rng.choice(finnish.OPERATORS)
            elif channel < 0.85:
                email = f"laskut@{domain}"
            else:
                street = f"PL {rng.randrange(1, 999)}"
                _, postal_code, city = finnish.address(rng)
            reference = (
                f"{rng.randrange(1000, 9999)}-{rng.choice('ABCDEFGH')}"
                if rng.random() < 0.3
                else ""
            )
            self.side["billing"].append(
                (cid, e_invoice, operator, email, street, postal_code, city, "FI", reference,
                 None, "contract", obtained, obtained, obtained)
            )  # fmt: skip

    def _side_records(self, cid: int, values: dict, obtained: datetime, lapsed: bool) -> None:
        rng, now = self.rng, self.now
        if rng.random() < (0.2 if values["kind"] == "organization" else 0.05):
            platform = finnish.pick(rng, PLATFORMS)
            handle = finnish.fold(values["name"])[:30] + str(cid)
            url = f"https://www.{platform}.com/{handle}" if rng.random() < 0.5 else ""
            collected = obtained + (now - obtained) * rng.random()
            self.side["social"].append(
                (cid, platform, handle, url, collected, rng.choice(SOCIAL_SOURCES),
                 "social_media", collected, collected, collected)
            )  # fmt: skip
        if rng.random() < 0.005 and not lapsed:
            self.side["requests"].append(self._request(cid, obtained))

    def _request(self, cid: int, obtained: datetime) -> tuple:
        rng, now = self.rng, self.now
        kind = finnish.pick(rng, REQUEST_KINDS)
        state = rng.random()
        if state < 0.2:  # still open: received this month
            received = now - timedelta(days=rng.uniform(0, 25))
            status, closed, outcome = rng.choice(["received", "in_progress"]), None, ""
        else:
            oldest = min((now - obtained).days, int(4.5 * YEAR))
            received = now - timedelta(days=rng.uniform(26, max(27, oldest)))
            closed = (received + timedelta(days=rng.randrange(1, 25))).date()
            status = "refused" if state > 0.97 else "done"
            outcome = (
                "Pyyntö hylätty: henkilöllisyys ei varmistunut."
                if status == "refused"
                else "Vastattu asiakkaalle sähköpostilla."
            )
        method = rng.choice(["portal_login", "email_code", "document"])
        note = "Passi tarkistettu toimistolla." if method == "document" else ""
        channel = "portal" if method == "portal_login" else rng.choice(["email", "phone", "letter"])
        return (
            uuid.UUID(int=rng.getrandbits(128), version=4), cid, kind, status, channel,
            received.date(), "", [], method, note, "", None, closed, outcome, None,
            received, received,
        )  # fmt: skip

    BILLING_COLUMNS = [
        "customer_id", "e_invoice_address", "operator_id", "invoicing_email", "street_address",
        "postal_code", "city", "country", "buyer_reference", "held_until", "source",
        "obtained_at", "created_at", "updated_at",
    ]  # fmt: skip
    SOCIAL_COLUMNS = [
        "customer_id", "platform", "handle", "url", "collected_at", "collected_from", "source",
        "obtained_at", "created_at", "updated_at",
    ]  # fmt: skip
    REQUEST_COLUMNS = [
        "public_id", "customer_id", "kind", "status", "channel", "received_on", "details",
        "data_concerned", "identity_method", "identity_note", "extension_reason",
        "person_told_of_extension_on", "closed_on", "outcome", "created_by_id", "created_at",
        "updated_at",
    ]  # fmt: skip

    def authorizations(self) -> Iterator[tuple]:
        rng, today = self.rng, self.today
        for org in self.organizations:
            for _ in range(rng.choice([0, 1, 1, 1, 2, 2, 3])):
                person = self.persons[rng.randrange(len(self.persons))]
                role = finnish.pick(rng, ROLES)
                since = datetime.fromtimestamp(self.obtained[org]).date()
                valid_from = since + timedelta(days=rng.randrange(max(1, (today - since).days)))
                ends = rng.random()
                if ends < 0.65:
                    valid_until = None
                elif ends < 0.85:
                    valid_until = valid_from + timedelta(
                        days=rng.randrange((today - valid_from).days + 1)
                    )
                else:
                    valid_until = today + timedelta(days=rng.randrange(30, 700))
                if role in ("admin", "purchaser"):
                    self.buyers.setdefault(org, []).append((person, valid_from, valid_until))
                granter = finnish.full_name(rng)
                evidence = f"{rng.choice(EVIDENCE)} {valid_from:%-d.%-m.%Y}"
                moment = datetime.combine(valid_from, datetime.min.time(), self.now.tzinfo)
                yield (
                    person, org, role, valid_from, valid_until,
                    f"{granter}, {rng.choice(GRANTERS)}", evidence, "contract",
                    moment, moment, moment,
                )  # fmt: skip

    AUTHORIZATION_COLUMNS = [
        "person_id", "organization_id", "role", "valid_from", "valid_until", "granted_by",
        "evidence", "source", "obtained_at", "created_at", "updated_at",
    ]  # fmt: skip

    def purchases(self, products: list[tuple[int, int]]) -> Iterator[tuple]:
        rng, now, today = self.rng, self.now, self.today
        invoice = 0
        newest_lapsed = today - timedelta(days=int(4.1 * YEAR))
        for cid in range(1, self.size + 1):
            since = datetime.fromtimestamp(self.obtained[cid]).date()
            organization = self.kinds[cid]
            for _ in range(rng.choice([0, 1, 2, 3, 3, 4, 4, 5, 6])):
                product, price = rng.choice(products)
                last = newest_lapsed if cid in self.lapsed else today
                buyer = None
                offers = self.buyers.get(cid) if organization else None
                if offers and rng.random() < 0.8:
                    buyer, start, end = rng.choice(offers)
                    end = min(end or today, today)
                    day = start + timedelta(days=rng.randrange((end - start).days + 1))
                else:
                    day = since + timedelta(days=rng.randrange(max(1, (last - since).days)))
                    if not organization and rng.random() < 0.6:
                        buyer = cid
                quantity = rng.randrange(1, 6) if organization else 1
                amount = Decimal(
                    price * quantity * rng.choice([100, 100, 100, 90, 85]) // 100
                ).scaleb(-2)
                invoice += 1
                number = f"{day.year}-{invoice:07d}" if rng.random() < 0.9 else ""
                moment = min(
                    now,
                    datetime.combine(day, datetime.min.time(), now.tzinfo) + timedelta(hours=10),
                )
                yield (
                    cid, product, day, amount, number, buyer, None,
                    rng.choice(["web_form", "contract", "email", "phone", "self_service"]),
                    moment, moment, moment,
                )  # fmt: skip

    PURCHASE_COLUMNS = [
        "customer_id", "product_id", "purchased_on", "amount", "invoice_number",
        "purchased_by_id", "held_until", "source", "obtained_at", "created_at", "updated_at",
    ]  # fmt: skip

    def consent_events(self, staff: list[int], consented: list[tuple]) -> Iterator[tuple]:
        """About two events per customer: grants, later withdrawals, staff-recorded ones
        with their note, a few existing-customer exceptions and objections."""
        from consents.models import Purpose

        rng, now = self.rng, self.now
        purposes = {p.key: (p.pk, p.current_text().pk, p.audience) for p in Purpose.objects.all()}
        for_people = [v for v in purposes.values() if v[2] in ("people", "both")]
        for_organizations = [v for v in purposes.values() if v[2] in ("organizations", "both")]
        b2c = [purposes[k] for k in ("newsletter", "product_news") if k in purposes]
        for cid in range(1, self.size + 1):
            organization = self.kinds[cid]
            available = for_organizations if organization else for_people
            when = datetime.fromtimestamp(self.obtained[cid], now.tzinfo)
            given: set[int] = set()
            for _ in range(rng.choice([0, 1, 2, 2, 3, 4])):
                purpose, text, audience = rng.choice(available)
                when = min(now, when + (now - when) * rng.random() * 0.5)
                kind = "withdraw" if purpose in given or audience == "organizations" else "grant"
                sale_date, told = None, False
                roll = rng.random()
                if not organization and b2c and roll < 0.01:
                    purpose, text, _ = rng.choice(b2c)
                    kind, sale_date, told = "existing_customer", when.date(), True
                elif roll < 0.012:
                    kind = "objection"
                given.add(purpose)
                channel, method, note, actor, ip = self._consent_channel(kind, staff)
                if method == "staff_meeting" or kind == "existing_customer":
                    channel, method = "sale", "staff_meeting"
                    note = "Kerrottu markkinoinnista ja kieltomahdollisuudesta kaupan yhteydessä."
                    actor = rng.choice(staff)
                yield (
                    cid, purpose, text, kind, channel, method, when.replace(microsecond=0),
                    actor, ip, note, sale_date, told, told,
                )  # fmt: skip
                if kind == "grant" and rng.random() < 0.02:
                    consented.append(
                        (
                            cid,
                            purpose,
                            "Kiinnostuksen kohteet",
                            "Työturvallisuus, ensiapu",
                            "web_form",
                            when,
                        )
                    )

    CONSENT_COLUMNS = [
        "customer_id", "purpose_id", "text_id", "kind", "channel", "method", "occurred_at",
        "actor_id", "client_ip", "note", "sale_date", "told_at_sale", "similar_products",
    ]  # fmt: skip
    CONSENTED_COLUMNS = ["customer_id", "purpose_id", "name", "value", "source", "obtained_at"]

    def _consent_channel(self, kind: str, staff: list[int]) -> tuple:
        rng = self.rng
        roll = rng.random()
        if roll < 0.5:
            return "web", "portal", "", None, test_net_ip(rng)
        if roll < 0.65 and kind == "withdraw":
            return (
                "email",
                rng.choice(["unsubscribe_link", "one_click"]),
                "",
                None,
                test_net_ip(rng),
            )
        if roll < 0.8:
            note = "Puhelu asiakaspalveluun, asiakas pyysi muutosta."
            return "phone", "staff_phone", note, rng.choice(staff), None
        if roll < 0.83:
            return "meeting", "staff_meeting", "", None, None
        return "import", "import", "", None, None

    def portal_accounts(self) -> tuple[list[tuple], list[tuple]]:
        """Users (one shared Argon2 hash: hashing thousands of passwords would take
        minutes) and their verified primary email addresses."""
        from django.contrib.auth.hashers import make_password
        from django.db.models import Max

        from customers.models import User
        from privacy.models import NoticeVersion

        password = make_password("bench-portal-password")
        notice = NoticeVersion.objects.published().values_list("number", flat=True).first()
        first_id = (User.objects.aggregate(top=Max("id"))["top"] or 0) + 1
        users, addresses = [], []
        for offset, (cid, email, created) in enumerate(self.portal):
            uid = first_id + offset
            last_login = self.now - timedelta(days=self.rng.uniform(0, 60))
            users.append(
                (
                    uid,
                    password,
                    last_login,
                    False,
                    "",
                    "",
                    False,
                    True,
                    created,
                    email,
                    notice,
                    None,
                )
            )
            addresses.append((uid, email, True, True))
            self.portal[offset] = (cid, uid, created)
        return users, addresses

    USER_COLUMNS = [
        "id", "password", "last_login", "is_superuser", "first_name", "last_name", "is_staff",
        "is_active", "date_joined", "email", "notice_version_seen", "created_by_id",
    ]  # fmt: skip
    ADDRESS_COLUMNS = ["user_id", "email", "verified", "primary"]

    def link_accounts(self) -> None:
        from django.db import connection, transaction

        pairs = [(uid, cid) for cid, uid, _ in self.portal]
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.executemany("UPDATE customers_customer SET user_id = %s WHERE id = %s", pairs)

    # The audit log ------------------------------------------------------------------------------

    def audit_events(self, staff: list[int]) -> Iterator[tuple]:
        """A valid hash chain continuing from the chain head, five years of history in
        time order: staff work on random records (about five events per customer) and
        the portal accounts' views and downloads of their own data; client addresses
        only on the last 90 days (purge clears older ones)."""
        from privacy.models import AuditChainHead, AuditEvent

        rng, now = self.rng, self.now
        head, _ = AuditChainHead.objects.get_or_create(pk=1)
        start = now - timedelta(days=5 * YEAR)
        step = (now - start) / max(1, self.audit_count)
        address_from = now - timedelta(days=90)
        portal_share = min(
            0.5, PORTAL_EVENTS_PER_ACCOUNT * len(self.portal) / max(1, self.audit_count)
        )
        event = _Event()
        event.prev_hash = head.last_hash
        for n in range(1, self.audit_count + 1):
            event.pk = head.last_id + n
            event.created_at = (start + step * n).replace(microsecond=0)
            event.action = finnish.pick(rng, AUDIT_ACTIONS)
            event.object_type = finnish.pick(rng, AUDIT_TYPES)
            event.object_id = str(rng.randrange(1, self.size + 1))
            event.row_count = None
            event.changed_fields = []
            actor = rng.choice(staff)
            if self.portal and rng.random() < portal_share:
                cid, actor, _ = self.portal[rng.randrange(len(self.portal))]
                event.action = "view" if rng.random() < 0.9 else "export"
                event.object_type, event.object_id = "customers.customer", str(cid)
                if event.action == "export":
                    event.row_count = rng.randrange(5, 40)
            elif event.action == "change":
                event.changed_fields = sorted(rng.sample(CHANGED_FIELDS, rng.randrange(1, 4)))
            elif event.action == "create":
                event.changed_fields = list(CHANGED_FIELDS)
            elif event.action in ("export", "import"):
                event.object_type, event.object_id = "customers.customer", ""
                event.row_count = rng.randrange(1, self.size + 1)
            event.actor_id = actor
            event.hash = AuditEvent.compute_hash(event)
            ip = test_net_ip(rng) if event.created_at > address_from else None
            yield (
                event.pk, event.created_at, event.actor_id, event.action, event.object_type,
                event.object_id, event.changed_fields, event.row_count, ip, event.prev_hash,
                event.hash,
            )  # fmt: skip
            event.prev_hash = event.hash
        if self.audit_count:
            AuditChainHead.objects.filter(pk=1).update(last_id=event.pk, last_hash=event.hash)

    AUDIT_COLUMNS = [
        "id", "created_at", "actor_id", "action", "object_type", "object_id", "changed_fields",
        "row_count", "client_ip", "prev_hash", "hash",
    ]  # fmt: skip

    # Everything, in order -------------------------------------------------------------------

    def fill(self) -> None:
        from allauth.account.models import EmailAddress

        from consents.models import ConsentedDatum, ConsentEvent
        from customers.models import (
            Authorization,
            BillingProfile,
            Customer,
            Purchase,
            SocialMediaProfile,
            User,
        )
        from privacy.models import AuditEvent, DataSubjectRequest

        products = self.catalogue()
        staff = self.staff()
        self.load(Customer, self.CUSTOMER_COLUMNS, self.customers())
        self.load(BillingProfile, self.BILLING_COLUMNS, self.side.pop("billing"))
        self.load(SocialMediaProfile, self.SOCIAL_COLUMNS, self.side.pop("social"))
        self.load(DataSubjectRequest, self.REQUEST_COLUMNS, self.side.pop("requests"))
        self.load(Authorization, self.AUTHORIZATION_COLUMNS, self.authorizations())
        self.load(Purchase, self.PURCHASE_COLUMNS, self.purchases(products))
        consented: list[tuple] = []
        self.load(ConsentEvent, self.CONSENT_COLUMNS, self.consent_events(staff, consented))
        self.load(ConsentedDatum, self.CONSENTED_COLUMNS, consented)
        users, addresses = self.portal_accounts()
        self.load(User, self.USER_COLUMNS, users)
        self.load(EmailAddress, self.ADDRESS_COLUMNS, addresses)
        self.load(AuditEvent, self.AUDIT_COLUMNS, self.audit_events(staff))
        self.loader.close()
        self.link_accounts()


class _Event:
    """The attributes `AuditEvent.compute_hash` reads, without a model instance each."""

    __slots__ = (
        "action", "actor_id", "changed_fields", "created_at", "hash", "object_id",
        "object_type", "pk", "prev_hash", "row_count",
    )  # fmt: skip


# -- Setting up the database ---------------------------------------------------------------------


def finish_database() -> None:
    """Sequences past the ids given, then fresh planner statistics (VACUUM also sets the
    visibility map, as autovacuum would after a load)."""
    from django.apps import apps
    from django.core.management.color import no_style
    from django.db import connection

    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), apps.get_models()):
            cursor.execute(sql)
        # Django runs in autocommit, which VACUUM needs.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")


def check_sample(per_model: int = 100) -> None:
    """full_clean() a spread of every generated table's rows (validators, clean() and
    constraints): COPY trusts the generator, this checks it."""
    from django.core.exceptions import ValidationError
    from django.db.models import Max, Min

    from consents.models import ConsentedDatum, ConsentEvent
    from customers.models import (
        Authorization,
        BillingProfile,
        Customer,
        Purchase,
        SocialMediaProfile,
        User,
    )
    from privacy.models import DataSubjectRequest

    models = [
        Customer, BillingProfile, SocialMediaProfile, DataSubjectRequest, Authorization,
        Purchase, ConsentEvent, ConsentedDatum, User,
    ]  # fmt: skip
    for model in models:
        bounds = model.objects.aggregate(low=Min("pk"), high=Max("pk"))
        if bounds["low"] is None:
            continue
        step = max(1, (bounds["high"] - bounds["low"]) // per_model)
        wanted = range(bounds["low"], bounds["high"] + 1, step)
        for instance in model.objects.filter(pk__in=list(wanted)):
            try:
                # unique checks would look up every row again; the database enforced them.
                instance.full_clean(validate_unique=False)
            except ValidationError as exc:
                raise SystemExit(f"{model.__name__} {instance.pk} is invalid: {exc}") from None
    print(f"Checked a sample of {per_model} rows per table with full_clean(): all valid.")


def prepare_schema(url: str) -> None:
    from django.core.management import call_command

    from customers.models import Customer

    call_command("migrate", verbosity=0)
    for command in ("setup_roles", "setup_notice", "setup_consents"):
        call_command(command, verbosity=0, stdout=io.StringIO())
    existing = Customer.objects.count()
    if existing:
        raise SystemExit(
            f"{env.database_name(url)} already holds {existing:,} customers: "
            "use --create to start over."
        )


def default_portal_users(customers: int) -> int:
    return min(5000, max(200, customers // 200))


def generate(
    url: str, customers: int, audit_events: int | None = None, seed: int = 11, create: bool = False
) -> dict[str, Any]:
    """Create (with `create`) and fill the database; returns what was written."""
    started = time.perf_counter()
    if create:
        env.create_database(url)
    env.setup_django(url)
    from django.db import connection

    finnish.check_vocabulary()
    prepare_schema(url)
    events = 5 * customers if audit_events is None else audit_events
    print(
        f"Filling {env.database_name(url)} ({connection.vendor}): {customers:,} customers, {events:,} audit events"
    )
    register = Register(customers, events, default_portal_users(customers), seed)
    register.fill()
    finish_database()
    check_sample()
    seconds = time.perf_counter() - started
    rows = sum(register.counts.values())
    print(f"Done in {seconds:.0f} s: {rows:,} rows ({rows / seconds:,.0f} rows/s overall)")
    meta = {
        "version": GENERATOR_VERSION,
        "customers": customers,
        "audit_events": events,
        "seed": seed,
        "vendor": connection.vendor,
        "seconds": round(seconds, 1),
        "rows": register.counts,
        "generated_at": datetime.now().astimezone().isoformat(timespec="seconds"),
    }
    env.metadata_path(url).parent.mkdir(parents=True, exist_ok=True)
    env.metadata_path(url).write_text(json.dumps(meta, indent=2))
    return meta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument(
        "--audit-events", type=int, help="Audit events to write (default: 5 per customer)."
    )
    parser.add_argument(
        "--database-url", default=os.environ.get("DATABASE_URL"), help="Default: $DATABASE_URL."
    )
    parser.add_argument(
        "--create", action="store_true", help="Drop and create the (bench_*) database first."
    )
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    if not args.database_url:
        parser.error("give --database-url or set DATABASE_URL")
    if args.customers < 100:
        parser.error("--customers must be at least 100")
    generate(args.database_url, args.customers, args.audit_events, args.seed, args.create)


if __name__ == "__main__":
    main()
