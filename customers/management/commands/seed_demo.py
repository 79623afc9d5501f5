"""Demo data: Finnish companies, their people, consumers, products, purchases and one staff
user per role with TOTP set up from a documented demo secret. Idempotent."""

import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from consents import services as consent_services
from consents.models import ConsentEvent, Purpose
from customers import roles, services
from customers.models import (
    Authorization,
    BillingProfile,
    Customer,
    DataSource,
    Product,
    Purchase,
    SocialMediaProfile,
    StaffRoleGrant,
    User,
    helsinki_today,
)
from privacy.audit import audited_save
from privacy.models import DataSubjectRequest, Recipient
from privacy.services import request_create
from privacy.services.breaches import breach_record

DEMO_PASSWORD = "Herocon-demo-2026"
# A documented demo secret (base32). Add it to any authenticator app to get the codes.
DEMO_TOTP_SECRET = "JBSWY3DPEHPK3PXP"

STAFF = [
    ("asiakaspalvelu@herocon.example", "Asta", "Asiakaspalvelu", roles.CUSTOMER_SERVICE),
    ("myynti@herocon.example", "Mika", "Myynti", roles.SALES),
    ("markkinointi@herocon.example", "Maija", "Markkinointi", roles.MARKETING),
    ("tietosuoja@herocon.example", "Tiina", "Tietosuojavastaava", roles.DPO),
    ("yllapito@herocon.example", "Ylermi", "Ylläpito", roles.TECHNICAL_ADMIN),
]

RECIPIENTS = [
    (
        "Pilvipalvelu Demo Oy (placeholder)",
        Recipient.Kind.PROCESSOR,
        "FI",
        "tietosuoja@pilvipalvelu.example",
    ),
    ("Sähköposti Demo Ltd (placeholder)", Recipient.Kind.PROCESSOR, "IE", "privacy@mailer.example"),
    (
        "Koulutustalo Demo Oy (placeholder)",
        Recipient.Kind.PRODUCT_OWNER,
        "FI",
        "asiakaspalvelu@koulutustalo.example",
    ),
    (
        "Ohjelmistotalo Demo Oy (placeholder)",
        Recipient.Kind.PRODUCT_OWNER,
        "FI",
        "info@ohjelmistotalo.example",
    ),
]

PRODUCTS = [
    ("HC-KOUL-01", "Työturvallisuuskoulutus", "Koulutustalo Demo Oy (placeholder)"),
    ("HC-KOUL-02", "Tulityökortti-kurssi", "Koulutustalo Demo Oy (placeholder)"),
    (
        "HC-OHJ-01",
        "Työmaapäiväkirja-ohjelmisto, vuosilisenssi",
        "Ohjelmistotalo Demo Oy (placeholder)",
    ),
]

ORGANIZATIONS = [
    {
        "name": "Kivikko Rakennus Oy",
        "business_id": "2345671-3",
        "email": "info@kivikko.example",
        "phone": "09 4250 1100",
        "street_address": "Teollisuuskatu 12",
        "postal_code": "00510",
        "city": "Helsinki",
        "language": "fi",
        "source": DataSource.CONTRACT,
        "billing": {
            "e_invoice_address": "003723456713",
            "operator_id": "E204503",
            "buyer_reference": "KIV-2026",
        },
    },
    {
        "name": "Saaristo Logistiikka Oy",
        "business_id": "1987652-0",
        "email": "toimisto@saaristo.example",
        "phone": "02 274 3300",
        "street_address": "Satamakatu 4",
        "postal_code": "20100",
        "city": "Turku",
        "language": "fi",
        "source": DataSource.MEETING,
        "billing": {
            "invoicing_email": "laskut@saaristo.example",
            "street_address": "PL 101",
            "postal_code": "20101",
            "city": "Turku",
        },
    },
    {
        "name": "Aurora Design Ab",
        "business_id": "3012345-8",
        "email": "hej@aurora.example",
        "phone": "019 612 4400",
        "street_address": "Storgatan 9",
        "postal_code": "06100",
        "city": "Borgå",
        "language": "sv",
        "source": DataSource.WEB_FORM,
        "billing": {"e_invoice_address": "00373012345800100", "operator_id": "003721291126"},
    },
]

PEOPLE = [
    {
        "name": "Aino Virtanen",
        "email": "aino.virtanen@kivikko.example",
        "phone": "040 754 0576",
        "street_address": "Mannerheimintie 50 A 3",
        "postal_code": "00260",
        "city": "Helsinki",
        "language": "fi",
        "source": DataSource.CONTRACT,
        "login": True,
    },
    {
        "name": "Mikko Korhonen",
        "email": "mikko.korhonen@saaristo.example",
        "phone": "050 321 7788",
        "street_address": "Linnankatu 20",
        "postal_code": "20100",
        "city": "Turku",
        "language": "fi",
        "source": DataSource.MEETING,
        "login": False,
    },
    {
        "name": "Erik Lindqvist",
        "email": "erik@aurora.example",
        "phone": "+358 44 987 6543",
        "street_address": "Runebergsgatan 5",
        "postal_code": "06100",
        "city": "Borgå",
        "language": "sv",
        "source": DataSource.EMAIL,
        "login": False,
    },
    {
        "name": "Liisa Nieminen",
        "email": "liisa.nieminen@posti.example",
        "phone": "045 112 2334",
        "street_address": "Hämeenkatu 7 B 12",
        "postal_code": "33100",
        "city": "Tampere",
        "language": "fi",
        "source": DataSource.SELF_SERVICE,
        "login": True,
    },
    {
        "name": "Sarah Johnson",
        "email": "sarah.johnson@mail.example",
        "phone": "+44 20 7946 0958",
        "street_address": "12 Baker Street",
        "postal_code": "NW1 6XE",
        "city": "London",
        "country": "GB",
        "language": "en",
        "source": DataSource.WEB_FORM,
        "login": False,
    },
]

AUTHORIZATIONS = [
    (
        "Aino Virtanen",
        "Kivikko Rakennus Oy",
        Authorization.Role.ADMIN,
        "Kaupparekisteriote 3.1.2025",
    ),
    (
        "Mikko Korhonen",
        "Saaristo Logistiikka Oy",
        Authorization.Role.PURCHASER,
        "Valtakirja 15.2.2025",
    ),
    ("Erik Lindqvist", "Aurora Design Ab", Authorization.Role.ADMIN, "Fullmakt 1.3.2025"),
    ("Aino Virtanen", "Saaristo Logistiikka Oy", Authorization.Role.VIEWER, "Sähköposti 10.4.2025"),
]

PURCHASES = [
    (
        "Kivikko Rakennus Oy",
        "HC-KOUL-01",
        "Aino Virtanen",
        date(2025, 3, 12),
        "1480.00",
        "2025-00112",
    ),
    (
        "Kivikko Rakennus Oy",
        "HC-OHJ-01",
        "Aino Virtanen",
        date(2025, 9, 1),
        "2400.00",
        "2025-00387",
    ),
    (
        "Saaristo Logistiikka Oy",
        "HC-KOUL-02",
        "Mikko Korhonen",
        date(2025, 5, 20),
        "690.00",
        "2025-00201",
    ),
    ("Aurora Design Ab", "HC-OHJ-01", "Erik Lindqvist", date(2026, 1, 15), "2400.00", "2026-00009"),
    ("Liisa Nieminen", "HC-KOUL-02", "Liisa Nieminen", date(2026, 6, 2), "189.00", "2026-00240"),
]


class Command(BaseCommand):
    help = "Load the demo data and demo staff (refuses with DEBUG off unless --force)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--force", action="store_true", help="Run even with DEBUG off.")

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "Refusing to load demo data with DEBUG off; use --force if you mean it."
            )
        call_command("setup_roles", stdout=io.StringIO())
        with transaction.atomic():
            self._seed()
        self._print_logins()

    def _seed(self) -> None:
        recipients = {}
        for name, kind, country, contact in RECIPIENTS:
            recipients[name] = Recipient.objects.filter(name=name).first() or audited_save(
                instance=Recipient(name=name, kind=kind, country=country, contact=contact),
                actor=None,
            )
        products = {}
        for code, name, owner in PRODUCTS:
            products[code] = Product.objects.filter(code=code).first() or audited_save(
                instance=Product(code=code, name=name, owner=recipients[owner]), actor=None
            )
        customers: dict[str, Customer] = {}
        for org in ORGANIZATIONS:
            values = {k: v for k, v in org.items() if k != "billing"}
            customer = Customer.objects.filter(business_id=org["business_id"]).first()
            if customer is None:
                customer = services.customer_create(
                    actor=None, kind=Customer.Kind.ORGANIZATION, **values
                )
                audited_save(
                    instance=BillingProfile(
                        customer=customer, source=org["source"], **org["billing"]
                    ),
                    actor=None,
                )
            customers[org["name"]] = customer
        for person in PEOPLE:
            values = {k: v for k, v in person.items() if k != "login"}
            customer = Customer.objects.persons().filter(name=person["name"]).first()
            if customer is None:
                customer = services.customer_create(actor=None, kind=Customer.Kind.PERSON, **values)
            if person["login"] and customer.user_id is None:
                user = self._user(person["email"], *person["name"].split(" ", 1))
                customer.user = user
                audited_save(instance=customer, changed_fields=["user"], actor=None)
            customers[person["name"]] = customer
        if not SocialMediaProfile.objects.filter(customer=customers["Aino Virtanen"]).exists():
            audited_save(
                instance=SocialMediaProfile(
                    customer=customers["Aino Virtanen"],
                    platform=SocialMediaProfile.Platform.LINKEDIN,
                    url="https://www.linkedin.com/in/aino-virtanen-demo",
                    collected_from="Kivikko Rakennus Oy:n LinkedIn-sivu",
                    source=DataSource.SOCIAL_MEDIA,
                ),
                actor=None,
            )
        for person, org, role, evidence in AUTHORIZATIONS:
            exists = Authorization.objects.filter(
                person=customers[person], organization=customers[org], role=role
            ).exists()
            if not exists:
                audited_save(
                    instance=Authorization(
                        person=customers[person],
                        organization=customers[org],
                        role=role,
                        valid_from=date(2025, 1, 1),
                        granted_by=f"{org}, toimitusjohtaja",
                        evidence=evidence,
                        source=DataSource.CONTRACT,
                    ),
                    actor=None,
                )
        for customer, code, buyer, on, amount, invoice in PURCHASES:
            if not Purchase.objects.filter(invoice_number=invoice).exists():
                audited_save(
                    instance=Purchase(
                        customer=customers[customer],
                        product=products[code],
                        purchased_by=customers[buyer],
                        purchased_on=on,
                        amount=Decimal(amount),
                        invoice_number=invoice,
                        source=DataSource.CONTRACT,
                    ),
                    actor=None,
                )
        until = helsinki_today() + timedelta(days=365)
        for email, first, last, role in STAFF:
            user = self._user(email, first, last, staff=True)
            if not Authenticator.objects.filter(user=user, type=Authenticator.Type.TOTP).exists():
                TOTP.activate(user, DEMO_TOTP_SECRET)
                RecoveryCodes.activate(user)
            group = Group.objects.get(name=role)
            if not StaffRoleGrant.objects.filter(user=user, group=group).exists():
                services.staff_role_grant(
                    user=user, group=group, reason="Demo", valid_until=until, actor=None
                )
        self._seed_consents(customers)
        self._seed_privacy_work(customers)

    def _seed_privacy_work(self, customers: dict[str, Customer]) -> None:
        """Something for the DPO to try: requests on the clock (one overdue, one due soon)
        and an open breach near its 72-hour deadline. Once only."""

        if DataSubjectRequest.objects.filter(customer__in=customers.values()).exists():
            return
        today = helsinki_today()
        staff = User.objects.get(email__iexact=STAFF[0][0])
        for name, kind, channel, days_ago, details in [
            ("Liisa Nieminen", "access", "email", 26, "Haluan kopion kaikista tiedoistani."),
            ("Aino Virtanen", "rectification", "phone", 40, "Osoite on vanhentunut."),
        ]:
            request_create(
                customer=customers[name],
                kind=kind,
                channel=channel,
                details=details,
                received_on=today - timedelta(days=days_ago),
                actor=staff,
            )
        breach_record(
            actor=User.objects.get(email__iexact=STAFF[3][0]),
            title="Laskutussähköposti väärälle vastaanottajalle (demo)",
            aware_at=timezone.now() - timedelta(hours=60),
            nature="Yhden asiakkaan lasku lähti väärään sähköpostiosoitteeseen.",
            data_categories="Nimi, laskutustiedot",
            approx_people=1,
            approx_records=1,
            consequences="Vähäiset: vastaanottaja on pyydetty poistamaan viesti.",
            measures="Vastaanottaja vahvisti poistaneensa viestin; osoitteen tarkistus lisätty.",
        )

    def _seed_consents(self, customers: dict[str, Customer]) -> None:
        """A few consent events of each kind, once (the ledger only grows)."""

        call_command("setup_consents", stdout=io.StringIO())
        demo = [c.pk for c in customers.values()]
        if ConsentEvent.objects.filter(customer_id__in=demo).exists():
            return
        purposes = {p.key: p for p in Purpose.objects.all()}
        staff = User.objects.get(email__iexact=STAFF[0][0])
        aino, liisa = customers["Aino Virtanen"], customers["Liisa Nieminen"]
        consent_services.consent_give(customer=aino, purpose=purposes["newsletter"], actor=None)
        # Her LinkedIn profile is on record, which the registry allows only with consent.
        consent_services.consent_give(customer=aino, purpose=purposes["social_media"], actor=None)
        consent_services.consent_give(
            customer=aino, purpose=purposes["market_research"], actor=None
        )
        consent_services.consented_datum_add(
            customer=aino,
            purpose=purposes["market_research"],
            name="Kiinnostavat aiheet",
            value="Työturvallisuus, tulityöt",
            source=DataSource.SELF_SERVICE,
            actor=None,
        )
        consent_services.consent_give(customer=liisa, purpose=purposes["newsletter"], actor=None)
        consent_services.consent_withdraw(
            customer=liisa,
            purpose=purposes["newsletter"],
            channel=ConsentEvent.Channel.EMAIL,
            method=ConsentEvent.Method.UNSUBSCRIBE_LINK,
            actor=None,
        )
        consent_services.existing_customer_record(
            customer=customers["Erik Lindqvist"],
            purpose=purposes["newsletter"],
            sale_date=date(2026, 1, 15),
            told_at_sale=True,
            similar_products=True,
            note="Kerrottu markkinoinnista ja kielto-oikeudesta tilauksen yhteydessä.",
            actor=staff,
        )
        consent_services.consent_record_by_staff(
            customer=customers["Saaristo Logistiikka Oy"],
            purpose=purposes["b2b_marketing"],
            kind=ConsentEvent.Kind.WITHDRAW,
            channel=ConsentEvent.Channel.PHONE,
            note="Toimisto soitti ja kielsi markkinointiviestit.",
            actor=staff,
        )
        consent_services.consent_record_by_staff(
            customer=customers["Mikko Korhonen"],
            purpose=purposes["newsletter"],
            kind=ConsentEvent.Kind.OBJECTION,
            channel=ConsentEvent.Channel.LETTER,
            note="Kirje: kieltää kaiken suoramarkkinoinnin.",
            actor=staff,
        )

    def _user(self, email: str, first: str, last: str, *, staff: bool = False) -> User:
        user = User.objects.filter(email__iexact=email).first()
        if user is None:
            user = User.objects.create_user(
                email=email,
                password=DEMO_PASSWORD,
                first_name=first,
                last_name=last,
                is_staff=staff,
            )
        EmailAddress.objects.get_or_create(
            user=user, email=email, defaults={"verified": True, "primary": True}
        )
        return user

    def _print_logins(self) -> None:
        out = self.stdout
        out.write("")
        out.write(f"Demo logins (password for all: {DEMO_PASSWORD})")
        out.write(f"Staff sign in at /admin/ with the TOTP secret {DEMO_TOTP_SECRET}")
        out.write("  (add it to an authenticator app, or run: make totp)")
        for email, _first, _last, role in STAFF:
            out.write(f"  {role:<18} {email}")
        for person in PEOPLE:
            if person["login"]:
                out.write(f"  {'Customer':<18} {person['email']}")
