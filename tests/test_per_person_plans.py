"""Work for one person reads only that person's rows, however big the register (issue 11):
every query of the portal's all-my-data page, the personal downloads, the account linking
at login, `contactable()` for one person and the erasure of one customer is EXPLAINed on
PostgreSQL against a register of thousands of rows (analyzed, so the planner knows its
size), and none may scan a big table from end to end.

The plans are PostgreSQL's, so the module runs only there.
"""

import io
import re
from collections.abc import Callable
from datetime import date
from decimal import Decimal

import pytest
from allauth.account.models import EmailAddress
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consents.models import ConsentEvent, Purpose
from customers.models import Authorization, Customer, DataSource, Product, Purchase, User
from privacy.audit import audit_event_record
from privacy.models import AuditChainHead, AuditEvent, Disclosure, Recipient
from privacy.services.erasure import customer_erase
from tests.conftest import PASSWORD

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans are PostgreSQL's"),
]

# Enough rows that a full scan costs more than an index lookup, so the planner shows what
# it would do at a million.
REGISTER_SIZE = 4000
# The tables that grow with the register (or with its history): never read whole for one
# person.
BIG_TABLES = {
    "customers_customer",
    "customers_user",
    "account_emailaddress",
    "consents_consentevent",
    "customers_purchase",
    "customers_authorization",
    "customers_billingprofile",
    "privacy_auditevent",
    "privacy_disclosure_customers",
    "django_session",
    "usersessions_usersession",
    "django_admin_log",
}
SEQ_SCAN = re.compile(r"Seq Scan on (\w+)")
EXPLAINABLE = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b", re.IGNORECASE)


def assert_no_full_scans(queries: list[dict[str, str]]) -> None:
    """No query's plan reads a big table sequentially (the failure shows each plan)."""
    found = []
    with connection.cursor() as cursor:
        for query in queries:
            sql = query["sql"]
            if not EXPLAINABLE.match(sql):
                continue  # savepoints and the like
            cursor.execute(f"EXPLAIN {sql}")
            plan = "\n".join(row[0] for row in cursor.fetchall())
            tables = sorted(set(SEQ_SCAN.findall(plan)) & BIG_TABLES)
            if tables:
                found.append(f"{', '.join(tables)}\n{sql}\n{plan}")
    assert not found, "\n\n".join(found)


def captured(operation: Callable[[], object]) -> list[dict[str, str]]:
    with CaptureQueriesContext(connection) as queries:
        operation()
    assert len(queries) > 0
    return queries.captured_queries


def _fill_register(
    *, size: int, product: Product, purpose: Purpose, recipient: Recipient, staff: User
) -> None:
    """Thousands of customers with their users, addresses, sessions, consents, purchases,
    authorizations, billing profiles, disclosures, admin log entries and audit events,
    written by the database itself (INSERT ... SELECT), then analyzed."""
    text = purpose.current_text()
    disclosure = Disclosure.objects.create(
        recipient=recipient,
        categories=["identity"],
        basis="f",
        purpose="Delivery",
        disclosed_at=purpose.created_at,
    )
    head, _ = AuditChainHead.objects.get_or_create(pk=1)
    customer_type = ContentType.objects.get_for_model(Customer)
    statements = [
        """INSERT INTO customers_customer (source, obtained_at, created_at, updated_at, kind,
            name, business_id, email, phone, street_address, postal_code, city, country,
            language, restricted, restriction_reason, public_id, notes)
        SELECT 'import', now(), now(), now(),
            CASE WHEN g %% 10 = 0 THEN 'organization' ELSE 'person' END, 'Bulk ' || g,
            CASE WHEN g %% 10 = 0 THEN lpad(g::text, 7, '0') || '-0' ELSE '' END,
            'bulk' || g || '@example.fi', '+35840' || lpad(g::text, 7, '0'), 'Katu 1',
            '00100', 'Helsinki', 'FI', 'fi', false, '', gen_random_uuid(), 'bulk'
        FROM generate_series(1, %(size)s) AS g""",
        """INSERT INTO customers_user (password, is_superuser, first_name, last_name,
            is_staff, is_active, date_joined, email)
        SELECT '!', false, '', '', false, true, now(), email FROM customers_customer
        WHERE notes = 'bulk' AND kind = 'person' AND id %% 4 = 1""",
        """UPDATE customers_customer AS c SET user_id = u.id FROM customers_user AS u
        WHERE c.notes = 'bulk' AND u.email = c.email""",
        """INSERT INTO account_emailaddress (email, verified, "primary", user_id)
        SELECT email, true, true, id FROM customers_user WHERE email LIKE 'bulk%%'""",
        """INSERT INTO django_session (session_key, session_data, expire_date)
        SELECT 'bulk' || lpad(id::text, 36, '0'), 'x', now() + interval '1 day'
        FROM customers_user WHERE email LIKE 'bulk%%'""",
        """INSERT INTO usersessions_usersession (created_at, ip, last_seen_at, session_key,
            user_agent, data, user_id)
        SELECT now(), '10.0.0.1', now(), 'bulk' || lpad(id::text, 36, '0'), 'Firefox', '{}', id
        FROM customers_user WHERE email LIKE 'bulk%%'""",
        """INSERT INTO consents_consentevent (kind, channel, method, occurred_at, note,
            told_at_sale, similar_products, customer_id, text_id, purpose_id)
        SELECT CASE WHEN k = 1 THEN 'grant' ELSE 'withdraw' END, 'web', 'portal',
            now() - k * interval '1 day', '', false, false, c.id, %(text)s, %(purpose)s
        FROM customers_customer AS c, generate_series(1, 2) AS k WHERE c.notes = 'bulk'""",
        """INSERT INTO customers_purchase (source, obtained_at, created_at, updated_at,
            purchased_on, amount, invoice_number, customer_id, product_id, purchased_by_id)
        SELECT 'import', now(), now(), now(), current_date - k, 10, 'B-' || c.id || '-' || k,
            c.id, %(product)s, CASE WHEN c.kind = 'person' THEN c.id END
        FROM customers_customer AS c, generate_series(1, 3) AS k WHERE c.notes = 'bulk'""",
        """INSERT INTO customers_authorization (source, obtained_at, created_at, updated_at,
            role, valid_from, granted_by, evidence, organization_id, person_id)
        SELECT 'organization', now(), now(), now(), 'purchaser', current_date - 10, 'CEO',
            'Email', o.id, p.id
        FROM customers_customer AS o JOIN customers_customer AS p ON p.id = o.id - 1
        WHERE o.notes = 'bulk' AND o.kind = 'organization' AND p.kind = 'person'""",
        """INSERT INTO customers_billingprofile (source, obtained_at, created_at, updated_at,
            e_invoice_address, operator_id, invoicing_email, street_address, postal_code,
            city, country, buyer_reference, customer_id)
        SELECT 'organization', now(), now(), now(), '', '', 'laskut@example.fi', '', '', '',
            'FI', '', id FROM customers_customer WHERE notes = 'bulk' AND kind = 'organization'""",
        """INSERT INTO privacy_disclosure_customers (disclosure_id, customer_id)
        SELECT %(disclosure)s, id FROM customers_customer WHERE notes = 'bulk'""",
        """INSERT INTO django_admin_log (action_time, object_id, object_repr, action_flag,
            change_message, content_type_id, user_id)
        SELECT now(), id::text, 'Bulk', 2, '[]', %(customer_type)s, %(staff)s
        FROM customers_customer WHERE notes = 'bulk'""",
        # Five events a customer, some by their own account; the chain head moves past
        # them so that the events the operations append follow on.
        """INSERT INTO privacy_auditevent (id, created_at, actor_id, action, object_type,
            object_id, changed_fields, prev_hash, hash)
        SELECT %(head)s + row_number() OVER (), now(), CASE WHEN k = 1 THEN c.user_id END,
            'view', 'customers.customer', c.id::text, '[]', '', md5(c.id || '-' || k)
        FROM customers_customer AS c, generate_series(1, 5) AS k WHERE c.notes = 'bulk'""",
        """UPDATE privacy_auditchainhead SET last_id = (SELECT max(id) FROM privacy_auditevent)
        WHERE id = 1""",
    ]
    params = {
        "size": size,
        "text": text.pk,
        "purpose": purpose.pk,
        "product": product.pk,
        "disclosure": disclosure.pk,
        "customer_type": customer_type.pk,
        "staff": staff.pk,
        "head": head.last_id,
    }
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement, params)
        for table in sorted(BIG_TABLES):
            cursor.execute(f"ANALYZE {table}")


@pytest.fixture
def register(
    alice: Customer, company: Customer, product: Product, recipient: Recipient, dpo: User
) -> Customer:
    """A big register around Alice, who has a little of everything herself."""
    call_command("setup_consents", stdout=io.StringIO())
    newsletter = Purpose.objects.get(key="newsletter")
    for kind in (ConsentEvent.Kind.GRANT, ConsentEvent.Kind.WITHDRAW, ConsentEvent.Kind.GRANT):
        ConsentEvent.objects.create(
            customer=alice,
            purpose=newsletter,
            text=newsletter.current_text(),
            kind=kind,
            channel=ConsentEvent.Channel.WEB,
            method=ConsentEvent.Method.PORTAL,
        )
    for customer in (alice, company):
        Purchase.objects.create(
            customer=customer,
            purchased_by=alice,
            product=product,
            purchased_on=date(2025, 3, 1),
            amount=Decimal("99.00"),
            source=DataSource.CONTRACT,
        )
    disclosure = Disclosure.objects.create(
        recipient=recipient,
        categories=["email"],
        basis="f",
        purpose="Course",
        disclosed_at=newsletter.created_at,
    )
    disclosure.customers.add(alice)
    audit_event_record(action=AuditEvent.Action.VIEW, actor=dpo, obj=alice)
    _fill_register(
        size=REGISTER_SIZE, product=product, purpose=newsletter, recipient=recipient, staff=dpo
    )
    assert Customer.objects.count() > REGISTER_SIZE
    return alice


@pytest.fixture
def alice_client(register: Customer) -> Client:
    client = Client()
    client.force_login(register.user)
    response = client.post(reverse("account_reauthenticate"), {"password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.mark.parametrize("name", ["portal:home", "portal:export-json", "portal:export-zip"])
def test_the_portal_page_and_downloads_read_only_the_persons_rows(
    alice_client: Client, name: str
) -> None:
    def view() -> None:
        assert alice_client.get(reverse(name)).status_code == 200

    assert_no_full_scans(captured(view))


def test_linking_an_account_at_login_finds_the_person_through_an_index(
    register: Customer, make_customer: Callable[..., Customer], make_user: Callable[..., User]
) -> None:
    # Staff typed the address with capitals; the account holder signs up in lower case.
    person = make_customer(name="Pekka Uusi", email="Pekka.Uusi@example.fi")
    make_user("pekka.uusi@example.fi")
    client = Client()

    def login() -> None:
        response = client.post(
            reverse("account_login"), {"login": "pekka.uusi@example.fi", "password": PASSWORD}
        )
        assert response.status_code == 302

    queries = captured(login)

    person.refresh_from_db()
    assert person.user is not None
    assert_no_full_scans(queries)


def test_whether_one_person_is_contactable_is_read_from_their_own_rows(
    register: Customer,
) -> None:
    def one_person() -> None:
        assert Customer.objects.filter(pk=register.pk).contactable("newsletter").exists()
        assert list(Customer.objects.contactable("newsletter").filter(pk=register.pk))

    assert_no_full_scans(captured(one_person))


def test_erasing_one_customer_reads_and_writes_only_their_rows(
    register: Customer, dpo: User
) -> None:
    queries = captured(lambda: customer_erase(customer=register, actor=dpo))

    assert not Customer.objects.filter(pk=register.pk, erased_at__isnull=True).exists()
    assert not EmailAddress.objects.filter(email="alice@example.com").exists()
    assert Authorization.objects.filter(person__notes="bulk").exists()
    assert_no_full_scans(queries)
