"""Consent purposes, versioned consent texts, the append-only consent ledger, marketing
suppressions and other data collected with consent.

Art 7(1) asks the controller to prove every consent: who, which text, when and how. The
ledger is that proof, so nothing but `consents.services.consent_events_erase` (called by
the erasure service, Art 17) may change or remove an event.
"""

import hashlib
import hmac
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from customers import validators
from customers.fields import CleanTextMixin
from customers.vocabulary import DataSource
from privacy.models import LANGUAGE_CODES, AppendOnlyError
from privacy.registry import PURPOSES, LegalBasis

# Registry purposes a consent purpose may stand for: those whose basis is consent, plus
# B2B marketing (legitimate interest), which organizations may opt out of (917/2014 §200).
CONSENT_REGISTRY_PURPOSES = tuple(
    key for key, purpose in PURPOSES.items() if purpose.basis == LegalBasis.CONSENT
)
OPT_OUT_REGISTRY_PURPOSE = "b2b_marketing"
# The existing-customer exception (917/2014 §200) covers direct marketing of similar own
# products to persons only.
EXISTING_CUSTOMER_REGISTRY_PURPOSES = ("b2c_marketing",)


class Purpose(models.Model):
    """Something a customer may be asked to consent to (or, for organizations, opt out
    of), tied to one processing purpose of the personal-data registry."""

    class Audience(models.TextChoices):
        PEOPLE = "people", _("People")
        ORGANIZATIONS = "organizations", _("Organizations")
        BOTH = "both", _("People and organizations")

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        SMS = "sms", _("Text message")
        PHONE = "phone", _("Phone")
        POST = "post", _("Post")

    key = models.SlugField(_("key"), max_length=50, unique=True)
    name = models.CharField(
        _("name"),
        max_length=200,
        help_text=_("For staff; customers see the title of the consent text."),
    )
    registry_purpose = models.CharField(
        _("processing purpose"),
        max_length=50,
        choices=[
            (key, PURPOSES[key].name)
            for key in (*CONSENT_REGISTRY_PURPOSES, OPT_OUT_REGISTRY_PURPOSE)
        ],
        help_text=_("The purpose of the privacy notice this consent is for."),
    )
    audience = models.CharField(_("audience"), max_length=15, choices=Audience.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("consent purpose")
        verbose_name_plural = _("consent purposes")
        ordering = ["key"]
        permissions = [("export_audience_purpose", "Can export a purpose's audience")]
        constraints = [
            models.CheckConstraint(
                condition=Q(registry_purpose__in=CONSENT_REGISTRY_PURPOSES)
                | Q(registry_purpose=OPT_OUT_REGISTRY_PURPOSE, audience="organizations"),
                name="consents_purpose_registry_purpose_allowed",
                violation_error_message=_(
                    "Choose a purpose whose legal basis is consent; B2B marketing only for "
                    "organizations."
                ),
            ),
            models.CheckConstraint(
                condition=Q(audience__in=["people", "organizations", "both"]),
                name="consents_purpose_audience_valid",
            ),
            models.CheckConstraint(
                condition=Q(channel__in=["email", "sms", "phone", "post"]),
                name="consents_purpose_channel_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if (
            self.registry_purpose == OPT_OUT_REGISTRY_PURPOSE
            and self.audience != self.Audience.ORGANIZATIONS
        ):
            raise ValidationError(
                {"audience": _("B2B marketing is for organizations only: people need consent.")},
                code="opt_out_for_organizations",
            )

    @property
    def is_opt_out(self) -> bool:
        """Organizations are contacted unless they opted out; people need consent."""
        return self.registry_purpose == OPT_OUT_REGISTRY_PURPOSE

    @property
    def allows_existing_customer(self) -> bool:
        return self.registry_purpose in EXISTING_CUSTOMER_REGISTRY_PURPOSES

    def applies_to(self, customer: Any) -> bool:
        if self.audience == self.Audience.BOTH:
            return True
        if self.audience == self.Audience.PEOPLE:
            return customer.kind == "person"
        return customer.kind == "organization"

    def current_text(self) -> "ConsentText | None":
        return self.texts.published().first()


class ConsentTextQuerySet(models.QuerySet):
    def published(self) -> "ConsentTextQuerySet":
        return self.filter(published_at__isnull=False).order_by("-version")

    def update(self, **kwargs: Any) -> int:
        if self.filter(published_at__isnull=False).exists():
            raise AppendOnlyError("A published consent text cannot be changed.")
        return super().update(**kwargs)

    def delete(self) -> tuple[int, dict[str, int]]:
        if self.filter(published_at__isnull=False).exists():
            raise AppendOnlyError("A published consent text cannot be deleted.")
        return super().delete()


class ConsentText(models.Model):
    """One version of what a customer is shown when asked for a consent. Once published it
    never changes: events point at it as the exact words the person agreed to."""

    purpose = models.ForeignKey(
        Purpose, on_delete=models.PROTECT, related_name="texts", verbose_name=_("purpose")
    )
    # Given at publication: a draft has none, so numbers follow the order of publishing.
    version = models.PositiveIntegerField(_("version"), null=True, blank=True, editable=False)
    title_fi = models.CharField(_("title (Finnish)"), max_length=200)
    title_sv = models.CharField(_("title (Swedish)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    text_fi = models.TextField(_("text (Finnish)"))
    text_sv = models.TextField(_("text (Swedish)"))
    text_en = models.TextField(_("text (English)"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True, editable=False)

    objects = ConsentTextQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent text")
        verbose_name_plural = _("consent texts")
        ordering = ["purpose__key", "-version"]
        permissions = [("publish_consenttext", "Can publish a consent text")]
        constraints = [
            models.UniqueConstraint(
                fields=["purpose", "version"], name="consents_consenttext_one_per_version"
            ),
            models.CheckConstraint(
                condition=Q(version__isnull=True, published_at__isnull=True)
                | Q(version__isnull=False, published_at__isnull=False),
                name="consents_consenttext_published_has_version",
            ),
        ]

    def __str__(self) -> str:
        state = "" if self.published_at else f" ({_('draft')})"
        return f"{self.purpose.key} v{self.version}{state}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if (
            self.pk is not None
            and ConsentText.objects.filter(pk=self.pk, published_at__isnull=False).exists()
        ):
            raise AppendOnlyError("A published consent text cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        if self.is_published:
            raise AppendOnlyError("A published consent text cannot be deleted.")
        return super().delete(*args, **kwargs)

    @property
    def is_published(self) -> bool:
        return self.published_at is not None

    def title(self, language: str) -> str:
        return getattr(self, f"title_{language if language in LANGUAGE_CODES else 'fi'}")

    def text(self, language: str) -> str:
        return getattr(self, f"text_{language if language in LANGUAGE_CODES else 'fi'}")


class ConsentEventQuerySet(models.QuerySet):
    def update(self, **kwargs: Any) -> int:
        raise AppendOnlyError("Consent events cannot be changed.")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Consent events cannot be deleted.")

    def _erase(self) -> tuple[int, dict[str, int]]:
        """Only for `consents.services.consent_events_erase` (Art 17)."""
        return models.QuerySet.delete(self)

    def for_purpose(self, purpose: Purpose) -> "ConsentEventQuerySet":
        return self.filter(purpose=purpose)


class ConsentEvent(CleanTextMixin, models.Model):
    """One grant, withdrawal, objection or recorded existing-customer exception, with the
    exact text version shown and how it reached us. Never updated, never deleted."""

    class Kind(models.TextChoices):
        GRANT = "grant", _("Consent given")
        WITHDRAW = "withdraw", _("Consent withdrawn / opted out")
        OBJECTION = "objection", _("Objection to direct marketing (Art 21)")
        EXISTING_CUSTOMER = "existing_customer", _("Existing customer (917/2014 §200)")

    class Channel(models.TextChoices):
        WEB = "web", _("Web service")
        EMAIL = "email", _("Email")
        PHONE = "phone", _("Phone")
        LETTER = "letter", _("Letter")
        MEETING = "meeting", _("Meeting")
        SALE = "sale", _("In connection with a sale")
        IMPORT = "import", _("Import")

    class Method(models.TextChoices):
        PORTAL = "portal", _("Preference centre")
        UNSUBSCRIBE_LINK = "unsubscribe_link", _("Unsubscribe link")
        ONE_CLICK = "one_click", _("One-click unsubscribe (RFC 8058)")
        STAFF_PHONE = "staff_phone", _("Recorded by staff from a phone call")
        STAFF_LETTER = "staff_letter", _("Recorded by staff from a letter")
        STAFF_MEETING = "staff_meeting", _("Recorded by staff from a meeting")
        IMPORT = "import", pgettext_lazy("consent method", "Import")

    STAFF_METHODS = ("staff_phone", "staff_letter", "staff_meeting")
    # Kinds after which a person may be contacted for the purpose.
    CONTACTABLE_KINDS = ("grant", "existing_customer")

    customer = models.ForeignKey(
        "customers.Customer",
        # PROTECT: deleting a customer must not silently take the proof with it; erasure
        # calls consent_events_erase first.
        on_delete=models.PROTECT,
        related_name="consent_events",
        verbose_name=_("customer"),
    )
    purpose = models.ForeignKey(
        Purpose, on_delete=models.PROTECT, related_name="events", verbose_name=_("purpose")
    )
    text = models.ForeignKey(
        ConsentText,
        on_delete=models.PROTECT,
        related_name="events",
        verbose_name=_("text version shown"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    method = models.CharField(_("method"), max_length=20, choices=Method.choices)
    occurred_at = models.DateTimeField(_("time"), default=timezone.now)
    actor_id = models.PositiveBigIntegerField(_("actor user ID"), null=True, blank=True)
    client_ip = models.GenericIPAddressField(_("client address"), null=True, blank=True)
    note = models.TextField(
        _("note"),
        blank=True,
        validators=[validators.validate_no_personal_identity_code],
        help_text=_(
            "How it was received, e.g. 'phone call, customer asked to stop the newsletter'."
        ),
    )
    # The existing-customer exception's conditions (917/2014 §200).
    sale_date = models.DateField(_("sale date"), null=True, blank=True)
    told_at_sale = models.BooleanField(
        _("told of the marketing and the opt-out at the sale"), default=False
    )
    similar_products = models.BooleanField(_("marketing is of similar own products"), default=False)

    objects = ConsentEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("consent event")
        verbose_name_plural = _("consent events")
        ordering = ["-occurred_at", "-id"]
        indexes = [
            # The current state is the latest event per customer and purpose.
            models.Index(
                fields=["customer", "purpose", "-occurred_at", "-id"],
                name="consents_event_latest",
            ),
            models.Index(fields=["customer", "kind", "-occurred_at"], name="consents_event_kind"),
            # The ledger's own order (the admin's list, newest first).
            models.Index(fields=["-occurred_at", "-id"], name="consents_event_newest"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="existing_customer")
                | Q(sale_date__isnull=False, told_at_sale=True, similar_products=True),
                name="consents_consentevent_existing_customer_conditions",
                violation_error_message=_(
                    "The existing-customer exception needs the sale date, that the customer "
                    "was told at the sale, and that the marketing is of similar own products."
                ),
            ),
            models.CheckConstraint(
                condition=~Q(method__in=["staff_phone", "staff_letter", "staff_meeting"])
                | ~Q(note=""),
                name="consents_consentevent_staff_record_has_note",
                violation_error_message=_("Staff must say in a note how it was received."),
            ),
            models.CheckConstraint(
                condition=Q(kind__in=["grant", "withdraw", "objection", "existing_customer"]),
                name="consents_consentevent_kind_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.purpose.key} ({self.occurred_at:%Y-%m-%d})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if (
            not self._state.adding
            or kwargs.get("force_update")
            or kwargs.get("update_fields") is not None
        ):
            raise AppendOnlyError("Consent events cannot be changed.")
        # A new instance naming an existing id would otherwise UPDATE it: always INSERT.
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AppendOnlyError("Consent events cannot be deleted.")

    def clean(self) -> None:
        if self.purpose_id and self.text_id and self.text.purpose_id != self.purpose_id:
            raise ValidationError({"text": _("This text belongs to another purpose.")})
        if self.text_id and not self.text.is_published:
            raise ValidationError({"text": _("Only a published text can be agreed to.")})


def suppression_digest(kind: str, value: str) -> str:
    """HMAC-SHA256 of a normalised email or Y-tunnus: matches a re-imported person without
    keeping their address (the erasure service keeps only this)."""
    if kind == Suppression.Kind.EMAIL:
        normalised = value.strip().lower()
    else:
        normalised = validators.normalize_business_id(value)
    key = (settings.CONSENT_SUPPRESSION_KEY or settings.SECRET_KEY).encode()
    message = f"{kind}:{normalised}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


class Suppression(models.Model):
    """Someone objected to direct marketing (Art 21): their email or Y-tunnus, as a keyed
    hash, stops marketing to any record carrying it, whatever import brings back."""

    class Kind(models.TextChoices):
        EMAIL = "email", _("Email")
        BUSINESS_ID = "business_id", _("Business ID")

    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    digest = models.CharField(_("keyed hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)

    class Meta:
        verbose_name = _("marketing suppression")
        verbose_name_plural = _("marketing suppressions")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.digest[:12]}…"


class ConsentedDatum(CleanTextMixin, models.Model):
    """Other data collected with consent (notice section 5): deleted with the consent."""

    customer = models.ForeignKey(
        "customers.Customer",
        on_delete=models.CASCADE,
        related_name="consented_data",
        verbose_name=_("customer"),
    )
    purpose = models.ForeignKey(
        Purpose, on_delete=models.PROTECT, related_name="data", verbose_name=_("purpose")
    )
    name = models.CharField(_("name"), max_length=100)
    value = models.TextField(_("value"))
    source = models.CharField(_("source"), max_length=20, choices=DataSource.choices)
    obtained_at = models.DateTimeField(_("obtained at"), default=timezone.now)

    class Meta:
        verbose_name = _("data item collected with consent")
        verbose_name_plural = _("consented data")
        ordering = ["purpose__key", "name"]

    def __str__(self) -> str:
        return f"{self.purpose.key}: {self.name}"


# -- Who may be contacted ------------------------------------------------------------------


def _latest(purpose: Purpose, field: str) -> models.Subquery:
    return models.Subquery(
        ConsentEvent.objects.filter(customer=models.OuterRef("pk"), purpose=purpose)
        .order_by("-occurred_at", "-id")
        .values(field)[:1]
    )


def _newest(field: str, **conditions: Any) -> models.Subquery:
    return models.Subquery(
        ConsentEvent.objects.filter(customer=models.OuterRef("pk"), **conditions)
        .order_by("-occurred_at", "-id")
        .values(field)[:1]
    )


def contactable_customers(queryset: models.QuerySet, purpose: "Purpose | str") -> models.QuerySet:
    """The customers of `queryset` who may be contacted for `purpose` (DESIGN.md names it
    `Customer.objects.contactable(purpose)`, which calls this).

    A person needs a current grant or a recorded existing-customer exception (917/2014
    §200); an organization may be contacted unless it opted out. Nobody restricted (Art 18)
    or objecting (Art 21) may be, nor anyone whose email or Y-tunnus is suppressed: an
    objection outlives the record it was made on (a re-import brings a new row).
    Only a consent given after an objection, for this purpose, overrides it.

    The state comes from the ledger through correlated subqueries on the
    (customer, purpose, time) index: a fixed number of queries for any number of customers.
    """
    if not isinstance(purpose, Purpose):
        purpose = Purpose.objects.get(key=purpose)
    if not purpose.active:
        return queryset.none()
    queryset = queryset.filter(restricted=False).annotate(
        consent_state=_latest(purpose, "kind"),
        consent_state_at=_latest(purpose, "occurred_at"),
        last_grant_at=_newest("occurred_at", purpose=purpose, kind=ConsentEvent.Kind.GRANT),
        last_objection_at=_newest("occurred_at", kind=ConsentEvent.Kind.OBJECTION),
    )
    person = Q(kind="person", consent_state__in=ConsentEvent.CONTACTABLE_KINDS)
    organization = Q(kind="organization") & (
        Q(consent_state__isnull=True) | Q(consent_state__in=ConsentEvent.CONTACTABLE_KINDS)
    )
    if purpose.audience == Purpose.Audience.PEOPLE:
        queryset = queryset.filter(person)
    elif purpose.audience == Purpose.Audience.ORGANIZATIONS:
        queryset = queryset.filter(organization)
    else:
        queryset = queryset.filter(person | organization)
    # An objection covers every purpose (Art 21(3)), also ones added after it, until the
    # person gives this purpose a fresh consent.
    queryset = queryset.filter(
        Q(last_objection_at__isnull=True)
        | Q(last_grant_at__isnull=False, last_grant_at__gt=models.F("last_objection_at"))
    )
    return _without_suppressed(queryset)


def _without_suppressed(queryset: models.QuerySet) -> models.QuerySet:
    """Drop the records whose email or Y-tunnus hash is suppressed.

    The hash is keyed, so the database cannot compute it: the candidates' identifiers are
    hashed here. Two queries, whatever the number of customers (none when nothing is
    suppressed); a record is kept only if it holds a consent given after the suppression.
    """
    suppressed = dict(Suppression.objects.values_list("digest", "created_at"))
    if not suppressed:
        return queryset
    excluded: list[int] = []
    rows = queryset.values_list("pk", "email", "business_id", "last_grant_at")
    for pk, email, business_id, last_grant_at in rows.iterator(chunk_size=2000):
        times = []
        if email:
            times.append(suppressed.get(suppression_digest(Suppression.Kind.EMAIL, email)))
        if business_id:
            times.append(
                suppressed.get(suppression_digest(Suppression.Kind.BUSINESS_ID, business_id))
            )
        since = max((t for t in times if t is not None), default=None)
        if since is not None and (last_grant_at is None or last_grant_at <= since):
            excluded.append(pk)
    return queryset.exclude(pk__in=excluded) if excluded else queryset
