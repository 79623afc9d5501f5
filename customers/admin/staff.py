"""Staff accounts, dated role grants and reviews of portal accounts waiting for a link."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from customers import roles, services
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
    fields = ("group", "reason", "valid_from", "valid_until", "granted_by", "approval")
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    @admin.display(description=_("approval"))
    def approval(self, obj: StaffRoleGrant) -> str:
        return approval_state(obj)


def approval_state(grant: StaffRoleGrant) -> str:
    """The approval, in words: by whom and until when, or what is still waiting."""
    if grant.group.name not in roles.NEEDS_APPROVAL:
        return str(_("Not needed"))
    if grant.approved_until is None:
        return str(_("Waiting for approval"))
    approved = _("Approved by %(who)s until %(day)s") % {
        "who": grant.approved_by or _("the setup"),
        "day": date_format(grant.approved_until, "SHORT_DATE_FORMAT"),
    }
    if grant.awaiting_approval:
        return str(
            _("%(approved)s; the extension is waiting for approval") % {"approved": approved}
        )
    return str(approved)


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
        if not change:
            # The creator may ask for the account's roles, never approve them.
            obj.created_by = request.user
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


class ApprovalFilter(admin.SimpleListFilter):
    title = _("approval")
    parameter_name = "approval"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("waiting", _("Waiting for approval"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "waiting":
            return queryset.filter(pk__in=StaffRoleGrant.objects.awaiting_approval())
        return queryset


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
        "approval",
    )
    list_filter = (ApprovalFilter, "group", "valid_until")
    search_fields = ("user__email", "reason")
    list_select_related = ["user", "group", "granted_by", "approved_by"]
    autocomplete_fields = ["user"]
    readonly_fields = ("approval",)
    actions = ["approve_grants", "refuse_grants"]

    @admin.display(description=_("approval"))
    def approval(self, obj: StaffRoleGrant) -> str:
        return approval_state(obj) if obj.pk else "–"

    # The approver named for a lone DPO's grants holds no role: they see the grants and
    # decide on them, nothing else.
    def has_module_permission(self, request: HttpRequest) -> bool:
        return super().has_module_permission(request) or services.is_named_approver(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return super().has_view_permission(request, obj) or services.is_named_approver(request.user)

    def has_approve_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm(
            "customers.approve_staffrolegrant"
        ) or services.is_named_approver(request.user)

    def _decide(self, request: HttpRequest, queryset: QuerySet, approve: bool) -> None:
        decided, refused = 0, []
        for grant in queryset.select_related("user", "group"):
            try:
                if approve:
                    services.staff_role_grant_approve(
                        grant=grant, actor=request.user, client_ip=client_ip(request)
                    )
                else:
                    services.staff_role_grant_refuse(
                        grant=grant, actor=request.user, client_ip=client_ip(request)
                    )
            except PermissionDenied as exc:
                refused.append(f"{grant}: {exc}")
            else:
                decided += 1
        if decided:
            message = (
                ngettext("%(count)d grant approved.", "%(count)d grants approved.", decided)
                if approve
                else ngettext("%(count)d grant refused.", "%(count)d grants refused.", decided)
            )
            self.message_user(request, message % {"count": decided}, messages.SUCCESS)
        for problem in refused:
            self.message_user(request, problem, messages.ERROR)

    @admin.action(description=_("Approve the selected grants"), permissions=["approve"])
    def approve_grants(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._decide(request, queryset, approve=True)

    @admin.action(description=_("Refuse the selected grants"), permissions=["approve"])
    def refuse_grants(self, request: HttpRequest, queryset: QuerySet) -> None:
        self._decide(request, queryset, approve=False)

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
        if grant.awaiting_approval and grant.group.name in roles.NEEDS_APPROVAL:
            self.message_user(
                request,
                _(
                    "The role counts only once a DPO approves it: until then the grant waits "
                    "(“%(grant)s”)."
                )
                % {"grant": grant},
                messages.WARNING,
            )

    def delete_model(self, request: HttpRequest, obj: StaffRoleGrant) -> None:
        services.staff_role_revoke(grant=obj, actor=request.user, client_ip=client_ip(request))

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for grant in queryset:
            self.delete_model(request, grant)
