"""Staff accounts, dated role grants and reviews of portal accounts waiting for a link."""

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from customers import services
from customers.admin.base import AuditedAdminMixin
from customers.models import AccountLinkReview, Customer, StaffRoleGrant, User
from privacy.audit import audit_event_record
from privacy.http import client_ip
from privacy.models import AuditEvent

# -- Portal accounts waiting for a link ------------------------------------------------------


class AccountLinkReviewForm(forms.ModelForm):
    """Pick the person record that belongs to the account holder, or none of them."""

    customer = forms.ModelChoiceField(
        label=_("person record to link"),
        queryset=Customer.objects.none(),
        required=False,
        help_text=_("People without a portal account whose email matches this account's."),
    )
    create_new = forms.BooleanField(
        label=_("none of these: create a new person record for this account"), required=False
    )

    class Meta:
        model = AccountLinkReview
        fields = ("note",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["customer"].queryset = (
                Customer.objects.persons()
                .with_email(self.instance.email)
                .filter(user__isnull=True)
                .order_by("name", "pk")
            )
        self.fields["note"].required = True

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if bool(cleaned.get("customer")) == bool(cleaned.get("create_new")):
            raise forms.ValidationError(
                _("Choose the person record to link, or create a new one (not both).")
            )
        if Customer.objects.filter(user_id=self.instance.user_id).exists():
            raise forms.ValidationError(_("This account is already linked to a customer."))
        return cleaned


@admin.register(AccountLinkReview)
class AccountLinkReviewAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """Customer service links an ambiguous portal account to the right person, through
    the service (audited); nothing is linked until they do."""

    form = AccountLinkReviewForm
    list_display = ("email", "candidate_count", "created_at", "resolved_at", "resolved_by")
    list_filter = (("resolved_at", admin.EmptyFieldListFilter),)
    search_fields = ("email",)
    list_select_related = ["resolved_by"]
    readonly_fields = (
        "user",
        "email",
        "candidate_count",
        "created_at",
        "resolved_at",
        "resolved_by",
    )

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        fields = [*self.readonly_fields, "note"]
        if obj is not None and not obj.is_resolved:
            fields += ["customer", "create_new"]
        return fields

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        if obj is not None and obj.is_resolved:
            return (*self.readonly_fields, "note")
        return self.readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        # Reviews come only from the linking service.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.is_resolved:
            return False
        return super().has_change_permission(request, obj)

    def save_model(
        self, request: HttpRequest, obj: AccountLinkReview, form: forms.ModelForm, change: bool
    ) -> None:
        services.account_link_review_resolve(
            review=obj,
            customer=form.cleaned_data.get("customer"),
            note=form.cleaned_data["note"],
            actor=request.user,
            client_ip=client_ip(request),
        )


# -- Staff accounts and roles ------------------------------------------------------------------


class StaffUserCreationForm(AdminUserCreationForm):
    class Meta:
        model = User
        fields = ("email", "first_name", "last_name")


class StaffUserChangeForm(UserChangeForm):
    class Meta:
        model = User
        fields = ("email", "first_name", "last_name", "is_active")


class RoleGrantInline(admin.TabularInline):
    model = StaffRoleGrant
    fk_name = "user"
    extra = 0
    fields = ("group", "reason", "valid_from", "valid_until", "granted_by")
    readonly_fields = ("group", "reason", "valid_from", "valid_until", "granted_by")
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(User)
class StaffUserAdmin(DjangoUserAdmin):
    """Technical admins manage staff accounts only: never customers' portal accounts, and
    roles only through dated grants (no direct group or permission editing here)."""

    form = StaffUserChangeForm
    add_form = StaffUserCreationForm
    ordering = ("email",)
    list_display = ("email", "first_name", "last_name", "is_active", "roles", "last_login")
    list_filter = ("is_active",)
    search_fields = ("email", "first_name", "last_name")
    readonly_fields = ("last_login", "date_joined")
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        (_("Name"), {"fields": ("first_name", "last_name")}),
        (_("Status"), {"fields": ("is_active", "last_login", "date_joined")}),
    )
    add_fieldsets = (
        (
            None,
            {
                "classes": ("wide",),
                "fields": ("email", "first_name", "last_name", "password1", "password2"),
            },
        ),
    )
    inlines = [RoleGrantInline]
    filter_horizontal = ()

    @admin.display(description=_("roles in force"))
    def roles(self, obj: User) -> str:
        return ", ".join(obj.active_role_names()) or "–"

    def get_queryset(self, request: HttpRequest) -> QuerySet[User]:
        queryset = super().get_queryset(request).filter(is_staff=True)
        if not request.user.is_superuser:
            queryset = queryset.filter(is_superuser=False)
        return queryset

    def save_model(self, request: HttpRequest, obj: User, form: Any, change: bool) -> None:
        obj.is_staff = True  # this admin creates and edits staff accounts only
        super().save_model(request, obj, form, change)
        audit_event_record(
            action=AuditEvent.Action.CHANGE if change else AuditEvent.Action.CREATE,
            actor=request.user,
            obj=obj,
            changed_fields=form.changed_data,
            client_ip=client_ip(request),
        )


class StaffRoleGrantForm(forms.ModelForm):
    request_user: User | None = None

    class Meta:
        model = StaffRoleGrant
        fields = ("user", "group", "reason", "valid_from", "valid_until")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "user" in self.fields:
            self.fields["user"].queryset = User.objects.staff().filter(is_superuser=False)
        if "valid_until" in self.fields:
            self.fields["valid_until"].required = True

    def clean_user(self) -> User:
        user = self.cleaned_data["user"]
        if self.request_user is not None and user.pk == self.request_user.pk:
            raise forms.ValidationError(_("Nobody can grant a role to themselves."))
        return user

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        # On a change the user is read-only (not a form field), so clean_user does not run:
        # renewing one's own grant must be refused here, not by the service after saving.
        if (
            self.instance.pk
            and self.request_user is not None
            and self.instance.user_id == self.request_user.pk
        ):
            raise forms.ValidationError(_("Nobody can grant a role to themselves."))
        return cleaned


@admin.register(StaffRoleGrant)
class StaffRoleGrantAdmin(admin.ModelAdmin):
    form = StaffRoleGrantForm
    list_display = (
        "user",
        "group",
        "reason",
        "valid_from",
        "valid_until",
        "in_force",
        "granted_by",
    )
    list_filter = ("group", "valid_until")
    search_fields = ("user__email", "reason")
    list_select_related = ["user", "group", "granted_by"]
    autocomplete_fields = ["user"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[StaffRoleGrant]:
        queryset = super().get_queryset(request)
        if not request.user.is_superuser:
            # Emergency superuser accounts are outside the Technical admin's reach.
            queryset = queryset.filter(user__is_superuser=False)
        return queryset

    @admin.display(boolean=True, description=_("in force"))
    def in_force(self, obj: StaffRoleGrant) -> bool:
        return obj.is_active()

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # A grant is renewed or shortened in place; another person or role is a new grant.
        return ("user", "group") if obj else ()

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form_class = super().get_form(request, obj, change=change, **kwargs)
        return type(form_class.__name__, (form_class,), {"request_user": request.user})

    def save_model(
        self, request: HttpRequest, obj: StaffRoleGrant, form: Any, change: bool
    ) -> None:
        grant = services.staff_role_grant(
            user=obj.user,
            group=obj.group,
            reason=obj.reason,
            valid_from=obj.valid_from,
            valid_until=obj.valid_until,
            actor=request.user,
            client_ip=client_ip(request),
        )
        obj.pk = grant.pk
        obj._state.adding = False

    def delete_model(self, request: HttpRequest, obj: StaffRoleGrant) -> None:
        services.staff_role_revoke(grant=obj, actor=request.user, client_ip=client_ip(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for grant in queryset:
            self.delete_model(request, grant)
