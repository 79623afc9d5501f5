"""Logins and staff access: the user model (customers and staff alike), role grants that
end by themselves, and the reviews that link a portal account to a register record."""

from datetime import date

from django.contrib.auth.models import AbstractUser, Group
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from customers import validators
from customers.fields import CleanTextMixin
from customers.vocabulary import helsinki_today

# -- Accounts -----------------------------------------------------------------------------


class UserManager(DjangoUserManager):
    use_in_migrations = True

    def _create_user(self, email: str, password: str | None, **extra_fields) -> "User":
        if not email:
            raise ValueError("An email address is required")
        user = self.model(email=self.normalize_email(email), **extra_fields)
        user.set_password(password)  # None gives an unusable password
        user.save(using=self._db)
        return user

    def create_user(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", False)
        extra_fields.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra_fields)

    def create_superuser(self, email: str, password: str | None = None, **extra_fields):
        extra_fields.setdefault("is_staff", True)
        extra_fields.setdefault("is_superuser", True)
        return self._create_user(email, password, **extra_fields)

    def staff(self) -> models.QuerySet["User"]:
        return self.filter(is_staff=True)


class User(AbstractUser):
    """Customers and staff alike; the email address is the login."""

    username = None
    email = models.EmailField(_("email address"), unique=True)
    notice_version_seen = models.PositiveIntegerField(
        _("privacy notice version seen"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The newest privacy notice version this user has been told about."),
    )
    # Who made a staff account: they may ask for its roles, never approve them.
    created_by = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("created by"),
    )

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.UniqueConstraint(Lower("email"), name="customers_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.email

    def active_role_names(self, on: date | None = None) -> list[str]:
        on = on or helsinki_today()
        return list(
            self.role_grants.active(on)
            .order_by("group__name")
            .values_list("group__name", flat=True)
        )


class StaffRoleGrantQuerySet(models.QuerySet):
    def active(self, on: date | None = None) -> "StaffRoleGrantQuerySet":
        """Grants in force on `on` (Helsinki date): the end date includes its whole day."""
        on = on or helsinki_today()
        return self.filter(
            valid_from__lte=on, valid_until__gte=on, approved_until__gte=on, user__is_active=True
        )

    def awaiting_approval(self, on: date | None = None) -> "StaffRoleGrantQuerySet":
        """Grants (or extensions of them) a second person has yet to approve, not over yet."""
        on = on or helsinki_today()
        return self.filter(valid_until__gte=on).filter(
            Q(approved_until__isnull=True) | Q(approved_until__lt=models.F("valid_until"))
        )

    def expired(self, on: date | None = None) -> "StaffRoleGrantQuerySet":
        on = on or helsinki_today()
        return self.filter(valid_until__lt=on)


class StaffRoleGrant(CleanTextMixin, models.Model):
    """A staff member's role, held for a stated reason until a stated day (seed section 9)."""

    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="role_grants", verbose_name=_("staff user")
    )
    group = models.ForeignKey(
        Group, on_delete=models.CASCADE, related_name="role_grants", verbose_name=_("role")
    )
    reason = models.CharField(_("reason"), max_length=300)
    valid_from = models.DateField(_("valid from"), default=helsinki_today)
    valid_until = models.DateField(
        _("valid until"), help_text=_("Access ends when this day is over (Helsinki time).")
    )
    granted_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("granted by"),
    )
    # Separation of duties: a role that reaches customer data counts only up to the day a
    # second person approved (roles.NEEDS_APPROVAL); an extension waits for its own approval
    # while the approved part stays in force.
    approved_until = models.DateField(
        _("approved until"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("The grant gives access only up to this day; empty until approved."),
    )
    approved_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("approved by"),
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = StaffRoleGrantQuerySet.as_manager()

    class Meta:
        verbose_name = _("staff role grant")
        verbose_name_plural = _("staff role grants")
        ordering = ["valid_until"]
        permissions = [("approve_staffrolegrant", _("Can approve staff role grants"))]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "group"], name="customers_staffrolegrant_one_per_role"
            ),
            models.CheckConstraint(
                condition=Q(valid_until__gte=models.F("valid_from")),
                name="customers_staffrolegrant_ends_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(reason=""), name="customers_staffrolegrant_reason_required"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} – {self.group} ({self.valid_until:%Y-%m-%d})"

    def clean(self) -> None:
        if self.user_id and not self.user.is_staff:
            raise ValidationError(
                {"user": _("Roles can only be granted to staff accounts.")}, code="not_staff"
            )

    def is_active(self, on: date | None = None) -> bool:
        on = on or helsinki_today()
        approved = self.approved_until is not None and on <= self.approved_until
        return approved and self.valid_from <= on <= self.valid_until

    @property
    def awaiting_approval(self) -> bool:
        return self.approved_until is None or self.approved_until < self.valid_until


# -- Account links ----------------------------------------------------------------------


class AccountLinkReviewQuerySet(models.QuerySet):
    def open(self) -> "AccountLinkReviewQuerySet":
        return self.filter(resolved_at__isnull=True)


class AccountLinkReview(CleanTextMixin, models.Model):
    """A verified portal account whose email matched several person records (or one that
    already has an account): staff decide which record is the account holder's, and until
    then the account is linked to nothing, so it sees nobody's data."""

    user = models.ForeignKey(
        User,
        on_delete=models.CASCADE,
        related_name="account_link_reviews",
        verbose_name=_("portal account"),
    )
    email = models.EmailField(_("verified email"))
    candidate_count = models.PositiveIntegerField(
        _("matching person records"), help_text=_("How many person records had this email.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        User,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    note = models.TextField(
        _("note"),
        blank=True,
        validators=[validators.validate_no_personal_identity_code],
        help_text=_("How the account holder's identity was checked."),
    )

    objects = AccountLinkReviewQuerySet.as_manager()

    class Meta:
        verbose_name = _("account link review")
        verbose_name_plural = _("account link reviews")
        # Open cases first, oldest first, on every database (NULL sorts differently).
        ordering = [models.F("resolved_at").asc(nulls_first=True), "created_at"]
        constraints = [
            # One open case per account: logging in again must not pile up duplicates.
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(resolved_at__isnull=True),
                name="customers_accountlinkreview_one_open_per_user",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.email} ({self.candidate_count})"

    @property
    def is_resolved(self) -> bool:
        return self.resolved_at is not None
