"""Staff admin for the register; importing this package registers every page (audited saves)."""

from customers.admin.base import AuditedAdminMixin, IndexedValuesFilter, SourceFieldsMixin
from customers.admin.purchases import ProductAdmin, PurchaseAdmin
from customers.admin.register import (
    AuthorizationAdmin,
    AuthorizationAsOrganizationInline,
    AuthorizationAsPersonInline,
    BillingProfileAdmin,
    BillingProfileInline,
    CustomerAdmin,
    CustomerSearchMixin,
    PurchaseInline,
    SocialMediaProfileAdmin,
    SocialMediaProfileInline,
)
from customers.admin.restriction import RESTRICTION_STEPS, RestrictForm, RestrictionLiftForm
from customers.admin.staff import (
    AccountLinkReviewAdmin,
    AccountLinkReviewForm,
    RoleGrantInline,
    StaffRoleGrantAdmin,
    StaffRoleGrantForm,
    StaffUserAdmin,
    StaffUserChangeForm,
    StaffUserCreationForm,
)

__all__ = [
    "RESTRICTION_STEPS",
    "AccountLinkReviewAdmin",
    "AccountLinkReviewForm",
    "AuditedAdminMixin",
    "AuthorizationAdmin",
    "AuthorizationAsOrganizationInline",
    "AuthorizationAsPersonInline",
    "BillingProfileAdmin",
    "BillingProfileInline",
    "CustomerAdmin",
    "CustomerSearchMixin",
    "IndexedValuesFilter",
    "ProductAdmin",
    "PurchaseAdmin",
    "PurchaseInline",
    "RestrictForm",
    "RestrictionLiftForm",
    "RoleGrantInline",
    "SocialMediaProfileAdmin",
    "SocialMediaProfileInline",
    "SourceFieldsMixin",
    "StaffRoleGrantAdmin",
    "StaffRoleGrantForm",
    "StaffUserAdmin",
    "StaffUserChangeForm",
    "StaffUserCreationForm",
]
