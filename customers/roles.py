"""The staff roles (DESIGN.md, "Roles") as Django groups: names and exact permissions.

`manage.py setup_roles` makes each group hold exactly these permissions, no more.
Every new model gets its row in `tests/customers/test_role_matrix.py`.
"""

CUSTOMER_SERVICE = "Customer service"
SALES = "Sales"
MARKETING = "Marketing"
DPO = "DPO"
TECHNICAL_ADMIN = "Technical admin"

# The roles that reach customer data. A grant of one takes effect only once a second
# person approves it (issue 10: separation of duties): the DPO approves, and a DPO grant
# needs another DPO or, where there is no other, STAFF_ACCESS_APPROVER_EMAIL.
NEEDS_APPROVAL = frozenset({CUSTOMER_SERVICE, SALES, MARKETING, DPO})


def _crud(app_model: str, *actions: str) -> list[str]:
    app, model = app_model.split(".")
    return [f"{app}.{action}_{model}" for action in actions]


ROLE_PERMISSIONS: dict[str, list[str]] = {
    CUSTOMER_SERVICE: [
        *_crud("customers.customer", "view", "add", "change"),
        *_crud("customers.billingprofile", "view", "add", "change"),
        *_crud("customers.authorization", "view", "add", "change", "delete"),
        *_crud("customers.socialmediaprofile", "view", "add", "change"),
        *_crud("customers.purchase", "view"),
        *_crud("customers.product", "view"),
        # Portal accounts whose verified email matched several people: Customer service
        # checks who the account holder is and links the right record.
        *_crud("customers.accountlinkreview", "view", "change"),
        # Consents: view them, and record what customers said by phone, letter or in a
        # meeting (the add form goes through consents.services.consent_record_by_staff).
        *_crud("consents.purpose", "view"),
        *_crud("consents.consenttext", "view"),
        *_crud("consents.consentevent", "view", "add"),
        *_crud("consents.consenteddatum", "view"),
        # Requests that came by phone, letter or email are logged by Customer service;
        # the DPO handles them.
        *_crud("privacy.datasubjectrequest", "view", "add"),
    ],
    SALES: [
        *_crud("customers.customer", "view"),
        *_crud("customers.product", "view"),
        *_crud("customers.purchase", "view", "add", "change"),
    ],
    MARKETING: [
        # The consent register and purposes, and a purpose's audience (only those who may
        # be contacted; name, email, language and unsubscribe link): nothing else.
        *_crud("consents.purpose", "view", "export_audience"),
        *_crud("consents.consenttext", "view"),
        *_crud("consents.consentevent", "view"),
    ],
    DPO: [
        # Erasure (Art 17) and restriction (Art 18) only through their services.
        *_crud("customers.customer", "view", "import", "export", "erase", "restrict"),
        *_crud("customers.billingprofile", "view"),
        *_crud("customers.authorization", "view"),
        *_crud("customers.socialmediaprofile", "view"),
        *_crud("customers.purchase", "view"),
        # A product's owner is a recipient of purchase data, so the DPO keeps both lists.
        *_crud("customers.product", "view", "add", "change"),
        # "View everything" includes who holds staff access and what each role permits
        # (Art 32 access control is the DPO's to check), but not change any of it.
        *_crud("customers.user", "view"),
        # ... and approve the grants of roles that reach customer data, made by others.
        *_crud("customers.staffrolegrant", "view", "approve"),
        *_crud("customers.accountlinkreview", "view"),
        *_crud("auth.group", "view"),
        *_crud("privacy.recipient", "view", "add", "change", "delete"),
        *_crud("privacy.auditevent", "view"),
        *_crud("privacy.noticeversion", "view", "add", "change", "delete", "publish"),
        "privacy.view_record_of_processing",
        *_crud("consents.purpose", "view", "add", "change"),
        *_crud("consents.consenttext", "view", "add", "change", "publish"),
        *_crud("consents.consentevent", "view"),
        *_crud("consents.consenteddatum", "view"),
        *_crud("consents.suppression", "view"),
        # The DPO's toolkit (issue 6): requests, erasure receipts, disclosures and their
        # Art 19 notices, breaches, staff access reviews.
        *_crud("privacy.datasubjectrequest", "view", "add", "change"),
        *_crud("privacy.erasurereceipt", "view"),
        *_crud("privacy.disclosure", "view", "add", "change"),
        *_crud("privacy.recipientnotice", "view", "change"),
        *_crud("privacy.breach", "view", "add", "change"),
        *_crud("privacy.accessreview", "view", "add"),
    ],
    TECHNICAL_ADMIN: [
        *_crud("customers.user", "view", "add", "change"),
        *_crud("customers.staffrolegrant", "view", "add", "change", "delete"),
        *_crud("auth.group", "view"),
    ],
}

ROLE_NAMES = list(ROLE_PERMISSIONS)
