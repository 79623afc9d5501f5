"""The register itself: customers (people and organizations), their billing profiles,
authorizations (valtuutukset) and social media profiles, each with its source."""

import uuid
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower, Upper
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consents.models import contactable_customers
from customers import validators
from customers.fields import (
    BusinessIdField,
    CleanTextMixin,
    CountryField,
    EInvoiceAddressField,
    NormalizedEmailField,
    OperatorIdField,
    PhoneField,
)
from customers.vocabulary import DataSource, Language, helsinki_today


class SourcedModel(CleanTextMixin, models.Model):
    """Where a record holding personal data came from (notice section 6), and when."""

    source = models.CharField(_("source"), max_length=20, choices=DataSource.choices)
    obtained_at = models.DateTimeField(_("obtained at"), default=timezone.now)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


# -- The register -------------------------------------------------------------------------


def _email_condition(term: str) -> Q:
    """A whole address is looked up as itself, through the UPPER(email) index: as a
    substring, its every trigram (the common "@example.fi" too) would be looked up."""
    try:
        validate_email(term)
    except ValidationError:
        return Q(email__icontains=term)
    return Q(email__iexact=term)


class CustomerQuerySet(models.QuerySet):
    def persons(self) -> "CustomerQuerySet":
        return self.filter(kind=Customer.Kind.PERSON)

    def organizations(self) -> "CustomerQuerySet":
        return self.filter(kind=Customer.Kind.ORGANIZATION)

    def contactable(self, purpose: "models.Model | str") -> "CustomerQuerySet":
        """Who may be contacted for a consent purpose (object or key): the one answer that
        audience exports, mailings and everything else use (consents.models)."""
        return contactable_customers(self, purpose)

    def with_email(self, email: str) -> "CustomerQuerySet":
        """Emails match case-insensitively (a company's people may share one)."""
        return self.filter(email__iexact=validators.clean_text(email.strip()))

    def search(self, term: str) -> "CustomerQuerySet":
        # Stored text is NFC without invisible characters; so is what is looked for.
        term = validators.clean_text(term.strip())
        if not term:
            return self
        condition = (
            Q(name__icontains=term)
            | _email_condition(term)
            | Q(business_id__icontains=validators.normalize_business_id(term))
        )
        phone = validators.normalize_phone(term)
        if phone.startswith("+"):
            condition |= Q(phone=phone)
        return self.filter(condition)


class Customer(SourcedModel):
    class Kind(models.TextChoices):
        PERSON = "person", _("Person")
        ORGANIZATION = "organization", _("Organization")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=200)
    business_id = BusinessIdField(
        _("business ID (Y-tunnus)"),
        blank=True,
        help_text=_("Required for a Finnish organization, e.g. 0112038-9."),
    )
    email = NormalizedEmailField(_("email"), blank=True)
    phone = PhoneField(_("phone"), blank=True)
    street_address = models.CharField(_("street address"), max_length=200, blank=True)
    postal_code = models.CharField(_("postal code"), max_length=10, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    country = CountryField(_("country"), help_text=_("Two-letter ISO 3166 code, e.g. FI or SE."))
    language = models.CharField(
        _("language"), max_length=2, choices=Language.choices, default=Language.FINNISH
    )
    restricted = models.BooleanField(
        _("processing restricted"),
        default=False,
        help_text=_("GDPR Art 18: the data is only stored, not used."),
    )
    restricted_at = models.DateTimeField(_("restricted at"), null=True, blank=True)
    restriction_reason = models.CharField(_("restriction reason"), max_length=300, blank=True)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="customer",
        verbose_name=_("portal account"),
    )
    public_id = models.UUIDField(_("public ID"), default=uuid.uuid4, unique=True, editable=False)
    notes = models.TextField(
        _("notes"),
        blank=True,
        validators=[validators.validate_no_personal_identity_code],
        help_text=_("The customer can see these notes (GDPR Art 15): write accordingly."),
    )
    # Art 14: someone whose data came from elsewhere than themselves is sent the notice.
    notice_sent_at = models.DateTimeField(
        _("privacy notice sent at"), null=True, blank=True, editable=False
    )
    # Erasure leaves only what the bookkeeping hold keeps, restricted, until held_until.
    erased_at = models.DateTimeField(_("erased at"), null=True, blank=True, editable=False)
    held_until = models.DateField(
        _("kept for bookkeeping until"), null=True, blank=True, editable=False
    )

    objects = CustomerQuerySet.as_manager()

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")
        ordering = ["name"]
        permissions = [
            ("import_customer", "Can import customers"),
            ("export_customer", "Can export customers"),
            # Art 17: only through privacy.services.erasure.customer_erase (never delete).
            ("erase_customer", "Can erase customers through the erasure service"),
            # Art 18: only through customer_restrict/customer_restriction_lift.
            ("restrict_customer", "Can restrict processing of customers and lift it"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["business_id"],
                condition=~Q(business_id=""),
                name="customers_customer_business_id_unique",
                # "unique" makes full_clean() put the error on the business_id field.
                violation_error_code="unique",
                violation_error_message=_("A customer with this business ID already exists."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["person", "organization"]),
                name="customers_customer_kind_valid",
            ),
            models.CheckConstraint(
                condition=Q(kind="organization") | Q(business_id=""),
                name="customers_customer_person_has_no_business_id",
                violation_error_message=_("Leave the business ID empty for a person."),
            ),
            models.CheckConstraint(
                condition=~Q(kind="organization", country="FI", business_id=""),
                name="customers_customer_finnish_organization_has_business_id",
                violation_error_message=_("A Finnish organization needs its business ID."),
            ),
            models.CheckConstraint(
                condition=Q(restricted=False) | Q(restricted_at__isnull=False),
                name="customers_customer_restriction_dated",
            ),
            models.CheckConstraint(
                condition=Q(language__in=["fi", "sv", "en"]),
                name="customers_customer_language_valid",
            ),
        ]
        indexes = [
            models.Index(Lower("email"), name="customers_customer_email_ci"),
            # The portal links a login to its customer by email (with_email), and `iexact`
            # compiles to UPPER(email) = UPPER(%s) on PostgreSQL: the LOWER index above
            # is no use to it.
            models.Index(Upper("email"), name="customers_customer_email_upper"),
            models.Index(fields=["phone"], name="customers_customer_phone"),
            # The admin's list: ordered by name (then -pk, the admin's tie-breaker), filtered
            # by country (whose values the filter finds through this index) and by date.
            # The searches' trigram indexes are PostgreSQL's own: see migration 0009.
            models.Index(fields=["name", "-id"], name="customers_customer_name"),
            models.Index(fields=["country"], name="customers_customer_country"),
            models.Index(fields=["created_at"], name="customers_customer_created"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        errors: dict[str, list] = {}
        self.postal_code = (self.postal_code or "").strip()
        if self.country == "FI":
            try:
                validators.validate_finnish_postal_code(self.postal_code)
            except ValidationError as exc:
                errors.setdefault("postal_code", []).append(exc)
        if self.kind == self.Kind.PERSON and self.business_id:
            errors.setdefault("business_id", []).append(
                ValidationError(
                    _("Leave the business ID empty for a person."), code="person_business_id"
                )
            )
        if self.kind == self.Kind.ORGANIZATION and self.country == "FI" and not self.business_id:
            errors.setdefault("business_id", []).append(
                ValidationError(
                    _("A Finnish organization needs its business ID."),
                    code="business_id_required",
                )
            )
        if self.restricted and not self.restricted_at:
            self.restricted_at = timezone.now()
        if errors:
            raise ValidationError(errors)

    @property
    def vat_id(self) -> str:
        return validators.vat_id_from_business_id(self.business_id)

    @property
    def is_person(self) -> bool:
        return self.kind == self.Kind.PERSON

    @property
    def is_organization(self) -> bool:
        return self.kind == self.Kind.ORGANIZATION


class BillingProfile(SourcedModel):
    """How an organization (or person) is invoiced; at least one channel is required."""

    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="billing_profiles",
        verbose_name=_("customer"),
    )
    e_invoice_address = EInvoiceAddressField(
        _("e-invoice address"), blank=True, help_text=_("OVT code (0037…) or bank account.")
    )
    operator_id = OperatorIdField(
        _("e-invoice operator ID"), blank=True, help_text=_("E.g. E204503 or 003721291126.")
    )
    invoicing_email = NormalizedEmailField(_("invoicing email"), blank=True)
    street_address = models.CharField(_("billing street address"), max_length=200, blank=True)
    postal_code = models.CharField(_("billing postal code"), max_length=10, blank=True)
    city = models.CharField(_("billing city"), max_length=100, blank=True)
    country = CountryField(_("billing country"))
    buyer_reference = models.CharField(_("buyer reference"), max_length=100, blank=True)
    held_until = models.DateField(
        _("kept for bookkeeping until"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Restricted: kept only for the Accounting Act until this day."),
    )

    class Meta:
        verbose_name = _("billing profile")
        verbose_name_plural = _("billing profiles")
        constraints = [
            models.CheckConstraint(
                condition=~Q(e_invoice_address="") | ~Q(invoicing_email="") | ~Q(street_address=""),
                name="customers_billingprofile_has_channel",
                violation_error_message=_(
                    "Give at least one invoicing channel: e-invoice address, "
                    "invoicing email or billing address."
                ),
            ),
            models.CheckConstraint(
                condition=Q(e_invoice_address="") | ~Q(operator_id=""),
                name="customers_billingprofile_e_invoice_has_operator",
                violation_error_message=_("An e-invoice address needs its operator ID."),
            ),
        ]

    def __str__(self) -> str:
        channel = self.e_invoice_address or self.invoicing_email or self.street_address
        return f"{self.customer}: {channel}"

    def clean(self) -> None:
        self.postal_code = (self.postal_code or "").strip()
        if self.country == "FI":
            try:
                validators.validate_finnish_postal_code(self.postal_code)
            except ValidationError as exc:
                raise ValidationError({"postal_code": exc}) from None
        if self.e_invoice_address and not self.operator_id:
            raise ValidationError(
                {"operator_id": _("An e-invoice address needs its operator ID.")},
                code="required",
            )


class AuthorizationQuerySet(models.QuerySet):
    def active(self, on: date | None = None) -> "AuthorizationQuerySet":
        on = on or helsinki_today()
        return self.filter(valid_from__lte=on).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=on)
        )

    def with_purchase_right(self, on: date | None = None) -> "AuthorizationQuerySet":
        """Osto-oikeus: an active purchaser or admin authorization."""
        return self.active(on).filter(
            role__in=[Authorization.Role.ADMIN, Authorization.Role.PURCHASER]
        )


class Authorization(SourcedModel):
    """A valtuutus: a person may act for an organization in a role, for a period."""

    class Role(models.TextChoices):
        ADMIN = "admin", _("Administrator")
        PURCHASER = "purchaser", _("Purchaser")
        BILLING = "billing", _("Billing contact")
        VIEWER = "viewer", _("Viewer")

    person = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="authorizations",
        verbose_name=_("person"),
        limit_choices_to={"kind": Customer.Kind.PERSON},
    )
    organization = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="authorized_people",
        verbose_name=_("organization"),
        limit_choices_to={"kind": Customer.Kind.ORGANIZATION},
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices)
    valid_from = models.DateField(_("valid from"), default=helsinki_today)
    valid_until = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("Empty: until further notice.")
    )
    granted_by = models.CharField(
        _("granted by"), max_length=200, help_text=_("Who at the organization granted it.")
    )
    evidence = models.CharField(
        _("evidence"),
        max_length=300,
        help_text=_("E.g. signed power of attorney, trade register extract, email dated 1.2.2026."),
    )

    objects = AuthorizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("authorization")
        verbose_name_plural = _("authorizations")
        ordering = ["organization__name", "person__name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="customers_authorization_ends_after_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
            models.CheckConstraint(
                condition=~Q(person=models.F("organization")),
                name="customers_authorization_not_self",
            ),
            models.CheckConstraint(
                condition=Q(role__in=["admin", "purchaser", "billing", "viewer"]),
                name="customers_authorization_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} → {self.organization} ({self.get_role_display()})"

    def clean(self) -> None:
        errors = {}
        if self.person_id and self.person.kind != Customer.Kind.PERSON:
            errors["person"] = _("Only a person can be authorized.")
        if self.organization_id and self.organization.kind != Customer.Kind.ORGANIZATION:
            errors["organization"] = _("Choose an organization here, not a person.")
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            errors["valid_until"] = _("The end date cannot be before the start date.")
        if errors:
            raise ValidationError(errors)

    def is_active(self, on: date | None = None) -> bool:
        on = on or helsinki_today()
        return self.valid_from <= on and (self.valid_until is None or on <= self.valid_until)


class SocialMediaProfile(SourcedModel):
    """Social media data collected about a customer (Art 14: its source is named)."""

    class Platform(models.TextChoices):
        LINKEDIN = "linkedin", "LinkedIn"
        FACEBOOK = "facebook", "Facebook"
        INSTAGRAM = "instagram", "Instagram"
        X = "x", "X"
        YOUTUBE = "youtube", "YouTube"
        TIKTOK = "tiktok", "TikTok"
        OTHER = "other", _("Other")

    customer = models.ForeignKey(
        Customer,
        on_delete=models.CASCADE,
        related_name="social_media_profiles",
        verbose_name=_("customer"),
    )
    platform = models.CharField(_("platform"), max_length=20, choices=Platform.choices)
    handle = models.CharField(_("handle"), max_length=100, blank=True)
    url = models.URLField(_("profile URL"), blank=True)
    collected_at = models.DateTimeField(_("collected at"), default=timezone.now)
    collected_from = models.CharField(
        _("collected from"),
        max_length=200,
        help_text=_("Where the data was found, e.g. the company's LinkedIn page."),
    )

    class Meta:
        verbose_name = _("social media profile")
        verbose_name_plural = _("social media profiles")
        constraints = [
            models.CheckConstraint(
                condition=~Q(handle="") | ~Q(url=""),
                name="customers_socialmediaprofile_handle_or_url",
                violation_error_message=_("Give the handle or the profile URL."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_platform_display()}: {self.handle or self.url}"
