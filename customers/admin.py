"""Staff admin for the register. Every save goes through the services (validation and
audit); every opening of a record holding personal data is audited."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin

from customers import services
from customers.models import (
    AccountLinkReview,
    Authorization,
    BillingProfile,
    Customer,
    Product,
    Purchase,
    SocialMediaProfile,
    StaffRoleGrant,
    User,
)
from customers.resources import CustomerResource, RegisterCSV
from privacy.audit import audit_event_record, audited_save
from privacy.erasure import erasure_preview
from privacy.http import client_ip
from privacy.models import AuditEvent, DataSubjectRequest
from privacy.services.erasure import customer_erase
from privacy.services.restriction import customer_restrict, customer_restriction_lift


class AuditedAdminMixin:
    """Saves and deletes through the register services; opening a change page is audited."""

    def save_model(
        self, request: HttpRequest, obj: Any, form: forms.ModelForm, change: bool
    ) -> None:
        audited_save(
            instance=obj,
            changed_fields=form.changed_data,
            actor=request.user,
            client_ip=client_ip(request),
        )

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        services.register_record_delete(
            instance=obj, actor=request.user, client_ip=client_ip(request)
        )

    def delete_queryset(self, request: HttpRequest, queryset: QuerySet) -> None:
        for obj in queryset:
            self.delete_model(request, obj)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        # formset.save(commit=False) ties new inline rows to their (possibly just created)
        # parent and fills new_objects/changed_objects/deleted_objects, which the admin's
        # change message reads; each row is then saved and audited through the service.
        ip = client_ip(request)
        formset.save(commit=False)
        for inline_form in formset.saved_forms:
            audited_save(
                instance=inline_form.instance,
                changed_fields=inline_form.changed_data,
                actor=request.user,
                client_ip=ip,
            )
            inline_form.save_m2m()
        for obj in formset.deleted_objects:
            services.register_record_delete(instance=obj, actor=request.user, client_ip=ip)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        response = super().change_view(request, object_id, form_url, extra_context)
        if request.method == "GET" and response.status_code == 200:
            audit_event_record(
                action=AuditEvent.Action.VIEW,
                actor=request.user,
                object_type=self.model._meta.label_lower,
                object_id=object_id,
                client_ip=client_ip(request),
            )
        return response


class SourceFieldsMixin:
    source_fieldset = (_("Source"), {"fields": ("source", "obtained_at")})


# -- Inlines on the customer ---------------------------------------------------------------


class BillingProfileInline(admin.StackedInline):
    model = BillingProfile
    extra = 0
    fields = (
        ("e_invoice_address", "operator_id"),
        "invoicing_email",
        ("street_address", "postal_code", "city", "country"),
        "buyer_reference",
        ("source", "obtained_at"),
    )


class AuthorizationAsOrganizationInline(admin.TabularInline):
    model = Authorization
    fk_name = "organization"
    extra = 0
    verbose_name = _("authorized person")
    verbose_name_plural = _("authorized people")
    autocomplete_fields = ["person"]
    fields = ("person", "role", "valid_from", "valid_until", "granted_by", "evidence", "source")


class AuthorizationAsPersonInline(admin.TabularInline):
    model = Authorization
    fk_name = "person"
    extra = 0
    verbose_name = _("authorization to act for an organization")
    verbose_name_plural = _("authorizations to act for organizations")
    autocomplete_fields = ["organization"]
    fields = (
        "organization",
        "role",
        "valid_from",
        "valid_until",
        "granted_by",
        "evidence",
        "source",
    )


class PurchaseInline(admin.TabularInline):
    model = Purchase
    fk_name = "customer"
    extra = 0
    fields = ("purchased_on", "product", "amount", "invoice_number", "purchased_by", "source")
    autocomplete_fields = ["purchased_by"]
    show_change_link = True


class SocialMediaProfileInline(admin.TabularInline):
    model = SocialMediaProfile
    extra = 0
    fields = ("platform", "handle", "url", "collected_at", "collected_from", "source")


# -- Customers -------------------------------------------------------------------------------


class CustomerSearchMixin:
    """Search by name, email, Y-tunnus and phone in any common writing (040 123 4567)."""

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet, search_term: str
    ) -> tuple[QuerySet, bool]:
        if not search_term.strip():
            return queryset, False
        return queryset.search(search_term), False


# -- Restriction of processing (GDPR Art 18) ---------------------------------------------------


class RestrictForm(forms.Form):
    """What customer_restrict needs: why, and (optionally) the request that asked for it."""

    reason = forms.CharField(
        label=_("Reason for the restriction"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "E.g. the person contests the accuracy of the data, or objected and the "
            "objection is being considered (GDPR Art 18(1)). Staff see it in the banner."
        ),
    )
    data_subject_request = forms.ModelChoiceField(
        label=_("Restriction request"),
        queryset=DataSubjectRequest.objects.none(),
        required=False,
        empty_label=_("None (restricted on the DPO's own initiative)"),
        help_text=_(
            "The customer's open restriction request, if any: the Art 19 notices to "
            "recipients are tied to it, and it cannot be closed until they are sent."
        ),
    )

    def __init__(self, *args: Any, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["data_subject_request"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = DataSubjectRequest.objects.filter(
            customer=customer,
            kind=DataSubjectRequest.Kind.RESTRICTION,
            status__in=DataSubjectRequest.OPEN_STATUSES,
        ).order_by("-received_on", "-pk")


class RestrictionLiftForm(forms.Form):
    """Art 18(3): the day the person was told the restriction will be lifted."""

    person_told_on = forms.DateField(
        label=_("Day the person was told"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_(
            "GDPR Art 18(3): the person is told before the restriction is lifted. The day "
            "cannot be in the future or before the restriction began."
        ),
    )

    def __init__(self, *args: Any, customer: Customer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)


# step slug -> (page title, form, service error field -> form field, success message)
RESTRICTION_STEPS: dict[str, tuple[Any, type[forms.Form], dict[str, str], Any]] = {
    "restrict": (
        _("Restrict processing (GDPR Art 18)"),
        RestrictForm,
        {"restriction_reason": "reason"},
        _("Processing of %(customer)s is now restricted."),
    ),
    "lift-restriction": (
        _("Lift the restriction"),
        RestrictionLiftForm,
        {"person_told_on": "person_told_on"},
        _("The restriction of %(customer)s was lifted."),
    ),
}


def _restriction_refusal(customer: Customer, step: str) -> str | None:
    """Why `step` cannot be taken for the customer now, or None."""
    if customer.erased_at is not None:
        return str(_("%(customer)s has been erased.") % {"customer": customer})
    if step == "restrict" and customer.restricted:
        return str(_("Processing of %(customer)s is already restricted.") % {"customer": customer})
    if step == "lift-restriction" and not customer.restricted:
        return str(_("Processing of %(customer)s is not restricted.") % {"customer": customer})
    return None


def _restriction_service_call(
    request: HttpRequest, customer: Customer, step: str, data: dict[str, Any]
) -> None:
    ip = client_ip(request)
    if step == "restrict":
        customer_restrict(
            customer=customer,
            reason=data["reason"],
            request=data.get("data_subject_request"),
            actor=request.user,
            client_ip=ip,
        )
    else:
        customer_restriction_lift(
            customer=customer,
            person_told_on=data["person_told_on"],
            actor=request.user,
            client_ip=ip,
        )


@admin.register(Customer)
class CustomerAdmin(CustomerSearchMixin, AuditedAdminMixin, ImportExportMixin, admin.ModelAdmin):
    resource_classes = [CustomerResource]
    formats = [RegisterCSV]
    list_display = (
        "name",
        "kind",
        "business_id",
        "email",
        "phone",
        "city",
        "language",
        "restricted",
        "source",
        "created_at",
    )
    list_filter = ("kind", "restricted", "language", "source", "country")
    search_fields = ("name", "email", "business_id", "phone")
    search_help_text = _("Name, email, business ID or phone number.")
    date_hierarchy = "created_at"
    list_per_page = 50
    # Restriction is set and lifted only through customer_restrict/customer_restriction_lift
    # (Art 18: recipients are told, and lifting needs the date the person was told).
    readonly_fields = (
        "public_id",
        "vat_id",
        "user",
        "restricted",
        "restricted_at",
        "restriction_reason",
        "created_at",
        "updated_at",
    )
    fieldsets = (
        (None, {"fields": ("kind", "name", ("business_id", "vat_id"), "language")}),
        (_("Contact details"), {"fields": ("email", "phone")}),
        (_("Address"), {"fields": ("street_address", ("postal_code", "city"), "country")}),
        (
            _("Restriction of processing (GDPR Art 18)"),
            {"fields": ("restricted", "restricted_at", "restriction_reason")},
        ),
        (_("Notes"), {"fields": ("notes",)}),
        SourceFieldsMixin.source_fieldset,
        (_("System"), {"fields": ("public_id", "user", "created_at", "updated_at")}),
    )
    inlines = [
        BillingProfileInline,
        AuthorizationAsOrganizationInline,
        AuthorizationAsPersonInline,
        PurchaseInline,
        SocialMediaProfileInline,
    ]

    actions = ["erase_customers", "restrict_customers", "lift_customer_restrictions"]

    @admin.display(description=_("VAT ID"))
    def vat_id(self, obj: Customer) -> str:
        return obj.vat_id or "–"

    def has_erase_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("customers.erase_customer")

    @admin.action(
        description=_("Erase through the erasure service (GDPR Art 17)"), permissions=["erase"]
    )
    def erase_customers(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:

        customers = list(queryset.filter(erased_at__isnull=True))
        if request.POST.get("confirm") != "yes":
            return TemplateResponse(
                request,
                "admin/customers/customer/erase_confirmation.html",
                {
                    **self.admin_site.each_context(request),
                    "title": _("Erase customers"),
                    "opts": self.model._meta,
                    "items": [(c, erasure_preview(c)) for c in customers],
                    "selected": request.POST.getlist(admin.helpers.ACTION_CHECKBOX_NAME),
                    "action": "erase_customers",
                },
            )
        erased = 0
        for customer in customers:
            try:
                customer_erase(customer=customer, actor=request.user, client_ip=client_ip(request))
            except ValidationError as exc:
                messages.error(request, f"{customer}: {' '.join(exc.messages)}")
            else:
                erased += 1
        messages.success(request, _("%(count)d customer(s) erased.") % {"count": erased})
        return None

    def has_restrict_permission(self, request: HttpRequest) -> bool:
        return request.user.has_perm("customers.restrict_customer")

    @admin.action(description=_("Restrict processing (GDPR Art 18)"), permissions=["restrict"])
    def restrict_customers(self, request: HttpRequest, queryset: QuerySet) -> HttpResponse | None:
        return self._restriction_action(request, queryset, "restrict")

    @admin.action(description=_("Lift the restriction"), permissions=["restrict"])
    def lift_customer_restrictions(
        self, request: HttpRequest, queryset: QuerySet
    ) -> HttpResponse | None:
        return self._restriction_action(request, queryset, "lift-restriction")

    def _restriction_action(
        self, request: HttpRequest, queryset: QuerySet, step: str
    ) -> HttpResponse | None:
        # One customer at a time: each restriction has its own reason and request, and
        # each lifting its own day the person was told.
        customers = list(queryset[:2])
        if len(customers) != 1:
            messages.error(request, _("Select one customer at a time for this action."))
            return None
        [customer] = customers
        refusal = _restriction_refusal(customer, step)
        if refusal:
            messages.error(request, refusal)
            return None
        form_class = RESTRICTION_STEPS[step][1]
        return self._restriction_page(request, customer, step, form_class(customer=customer))

    def _restriction_page(
        self, request: HttpRequest, customer: Customer, step: str, form: forms.Form
    ) -> TemplateResponse:
        return TemplateResponse(
            request,
            "admin/customers/customer/restriction_form.html",
            {
                **self.admin_site.each_context(request),
                "title": RESTRICTION_STEPS[step][0],
                "opts": self.model._meta,
                "original": customer,
                "step": step,
                "form": form,
                "step_url": reverse(
                    f"admin:customers_customer_{step.replace('-', '_')}", args=[customer.pk]
                ),
                "change_url": reverse("admin:customers_customer_change", args=[customer.pk]),
            },
            status=400 if form.is_bound else 200,
        )

    def restriction_view(self, request: HttpRequest, object_id: str, step: str) -> HttpResponse:
        """The restriction page of one customer: GET shows the form, POST calls the
        service; bad input changes nothing and comes back with the error on its field."""
        if not self.has_restrict_permission(request):
            raise PermissionDenied
        customer = self.get_object(request, object_id)
        if customer is None:
            raise Http404("No such customer.")
        change_url = reverse("admin:customers_customer_change", args=[customer.pk])
        refusal = _restriction_refusal(customer, step)
        if refusal:
            messages.error(request, refusal)
            return HttpResponseRedirect(change_url)
        _title, form_class, error_fields, success = RESTRICTION_STEPS[step]
        if request.method != "POST":
            return self._restriction_page(request, customer, step, form_class(customer=customer))
        form = form_class(request.POST, customer=customer)
        if form.is_valid():
            try:
                _restriction_service_call(request, customer, step, form.cleaned_data)
            except ValidationError as exc:
                by_field = exc.error_dict if hasattr(exc, "error_dict") else {None: exc.error_list}
                for name, errors in by_field.items():
                    target = error_fields.get(name or "")
                    for error in errors:
                        form.add_error(target, error)
            else:
                messages.success(request, success % {"customer": customer})
                return HttpResponseRedirect(change_url)
        return self._restriction_page(request, customer, step, form)

    def get_urls(self) -> list:
        urls = [
            path(
                f"<path:object_id>/{step}/",
                self.admin_site.admin_view(self.restriction_view),
                {"step": step},
                name=f"customers_customer_{step.replace('-', '_')}",
            )
            for step in RESTRICTION_STEPS
        ]
        return [*urls, *super().get_urls()]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        # Without the permission the admin would only say "no action selected": refuse
        # plainly instead, so an attempt is not mistaken for a slip.
        if (
            request.method == "POST"
            and request.POST.get("action") in ("restrict_customers", "lift_customer_restrictions")
            and not self.has_restrict_permission(request)
        ):
            raise PermissionDenied
        return super().changelist_view(request, extra_context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        extra_context = {
            **(extra_context or {}),
            "can_restrict": self.has_restrict_permission(request),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # Customers are only ever erased through the erasure service (Art 17).
        return False

    def get_inlines(self, request: HttpRequest, obj: Customer | None) -> list:
        if obj is None:
            # The kind is not known before saving, so the authorizations (whose side
            # depends on it) come after; billing is often entered with the customer.
            return [BillingProfileInline, SocialMediaProfileInline]
        if obj.is_organization:
            return [
                BillingProfileInline,
                AuthorizationAsOrganizationInline,
                PurchaseInline,
                SocialMediaProfileInline,
            ]
        return [
            BillingProfileInline,
            AuthorizationAsPersonInline,
            PurchaseInline,
            SocialMediaProfileInline,
        ]

    def get_import_data_kwargs(self, **kwargs: Any) -> dict:
        kwargs = super().get_import_data_kwargs(**kwargs)
        kwargs["rollback_on_validation_errors"] = True
        return kwargs

    def process_dataset(self, dataset: Any, form: Any, request: HttpRequest, **kwargs: Any) -> Any:
        outcome = services.customers_import(
            dataset=dataset, actor=request.user, dry_run=False, client_ip=client_ip(request)
        )
        if not outcome.ok:
            for line in outcome.errors[:20]:
                messages.error(request, line)
        return outcome.result

    def process_result(self, result: Any, request: HttpRequest) -> HttpResponse:
        if result.has_errors() or result.has_validation_errors():
            # Nothing was saved (all or nothing); the errors are already in the messages.
            return HttpResponseRedirect(reverse("admin:customers_customer_import"))
        return super().process_result(result, request)

    def get_data_for_export(self, request: HttpRequest, queryset: QuerySet, **kwargs: Any) -> Any:
        data = super().get_data_for_export(request, queryset, **kwargs)
        audit_event_record(
            action=AuditEvent.Action.EXPORT,
            actor=request.user,
            object_type=Customer._meta.label_lower,
            changed_fields=list(data.headers),
            row_count=len(data),
            client_ip=client_ip(request),
        )
        return data


@admin.register(BillingProfile)
class BillingProfileAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("customer", "e_invoice_address", "operator_id", "invoicing_email", "city")
    search_fields = (
        "customer__name",
        "customer__business_id",
        "e_invoice_address",
        "invoicing_email",
    )
    list_filter = ("source",)
    autocomplete_fields = ["customer"]
    list_select_related = ["customer"]


@admin.register(Authorization)
class AuthorizationAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("person", "organization", "role", "valid_from", "valid_until")
    list_filter = ("role", "source")
    search_fields = (
        "person__name",
        "person__email",
        "organization__name",
        "organization__business_id",
    )
    autocomplete_fields = ["person", "organization"]
    list_select_related = ["person", "organization"]
    date_hierarchy = "valid_from"


@admin.register(Product)
class ProductAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("name", "code", "owner", "active")
    list_filter = ("active", "owner")
    search_fields = ("name", "code")


@admin.register(Purchase)
class PurchaseAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = (
        "purchased_on",
        "customer",
        "product",
        "amount",
        "invoice_number",
        "purchased_by",
    )
    list_filter = ("product", "source")
    search_fields = ("customer__name", "customer__business_id", "invoice_number")
    autocomplete_fields = ["customer", "purchased_by"]
    list_select_related = ["customer", "product", "purchased_by"]
    date_hierarchy = "purchased_on"


@admin.register(SocialMediaProfile)
class SocialMediaProfileAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("customer", "platform", "handle", "collected_at", "collected_from")
    list_filter = ("platform", "source")
    search_fields = ("customer__name", "handle", "url")
    autocomplete_fields = ["customer"]
    list_select_related = ["customer"]


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
