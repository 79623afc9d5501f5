"""Authentication backend that lets a role's permissions count only while granted."""

from typing import Any

from allauth.account.auth_backends import AuthenticationBackend
from django.contrib.auth.models import Permission
from django.db.models import QuerySet

from customers.models import StaffRoleGrant


class RoleGrantBackend(AuthenticationBackend):
    """allauth's backend, with group permissions limited to roles whose grant is in force.

    Permissions are read once per request (ModelBackend caches them on the user object,
    which is loaded anew for each request), so a grant that ended yesterday gives nothing
    on the very next request, before `expire_staff_access` has tidied it up.
    """

    def _get_group_permissions(self, user_obj: Any) -> QuerySet[Permission]:
        granted_groups = StaffRoleGrant.objects.active().filter(user=user_obj).values("group")
        return Permission.objects.filter(group__in=granted_groups)
