"""The register's models, one module per subject; import them from here."""

from customers.models.accounts import (
    AccountLinkReview,
    AccountLinkReviewQuerySet,
    StaffRoleGrant,
    StaffRoleGrantQuerySet,
    User,
    UserManager,
)
from customers.models.purchases import Product, Purchase
from customers.models.register import (
    Authorization,
    AuthorizationQuerySet,
    BillingProfile,
    Customer,
    CustomerQuerySet,
    SocialMediaProfile,
    SourcedModel,
)
from customers.vocabulary import DataSource, Language, helsinki_today

__all__ = [
    "AccountLinkReview",
    "AccountLinkReviewQuerySet",
    "Authorization",
    "AuthorizationQuerySet",
    "BillingProfile",
    "Customer",
    "CustomerQuerySet",
    "DataSource",
    "Language",
    "Product",
    "Purchase",
    "SocialMediaProfile",
    "SourcedModel",
    "StaffRoleGrant",
    "StaffRoleGrantQuerySet",
    "User",
    "UserManager",
    "helsinki_today",
]
