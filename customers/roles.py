"""The staff roles (DESIGN.md, "Roles") as Django groups: names and exact permissions.

`manage.py setup_roles` makes each group hold exactly these permissions, no more.
Every new model gets its row in `tests/customers/test_role_matrix.py`.
"""

CUSTOMER_SERVICE = "Customer service"
SALES = "Sales"
MARKETING = "Marketing"
DPO = "DPO"
TECHNICAL_ADMIN = "Technical admin"


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
    ],
    SALES: [
        *_crud("customers.customer", "view"),
        *_crud("customers.product", "view"),
        *_crud("customers.purchase", "view", "add", "change"),
    ],
    MARKETING: [
        # The consent register and audience export arrive with the consents app.
    ],
    DPO: [
        *_crud("customers.customer", "view", "import", "export"),
        *_crud("customers.billingprofile", "view"),
        *_crud("customers.authorization", "view"),
        *_crud("customers.socialmediaprofile", "view"),
        *_crud("customers.purchase", "view"),
        # A product's owner is a recipient of purchase data, so the DPO keeps both lists.
        *_crud("customers.product", "view", "add", "change"),
        # "View everything" includes who holds staff access and what each role permits
        # (Art 32 access control is the DPO's to check), but not change any of it.
        *_crud("customers.user", "view"),
        *_crud("customers.staffrolegrant", "view"),
        *_crud("auth.group", "view"),
        *_crud("privacy.recipient", "view", "add", "change", "delete"),
        *_crud("privacy.auditevent", "view"),
        *_crud("privacy.noticeversion", "view", "add", "change", "delete", "publish"),
        "privacy.view_record_of_processing",
    ],
    TECHNICAL_ADMIN: [
        *_crud("customers.user", "view", "add", "change"),
        *_crud("customers.staffrolegrant", "view", "add", "change", "delete"),
        *_crud("auth.group", "view"),
    ],
}

ROLE_NAMES = list(ROLE_PERMISSIONS)
