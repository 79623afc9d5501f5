from typing import Any

from django.contrib.auth.models import Group, Permission
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from customers.roles import ROLE_PERMISSIONS


class Command(BaseCommand):
    help = "Create or update the staff role groups with exactly their permissions (idempotent)."

    @transaction.atomic
    def handle(self, *args: Any, **options: Any) -> None:
        for role, codes in ROLE_PERMISSIONS.items():
            permissions = []
            for code in codes:
                app_label, codename = code.split(".")
                try:
                    permissions.append(
                        Permission.objects.get(content_type__app_label=app_label, codename=codename)
                    )
                except Permission.DoesNotExist:
                    raise CommandError(
                        f"Permission {code} does not exist; run migrate first."
                    ) from None
            group, created = Group.objects.get_or_create(name=role)
            before = set(group.permissions.values_list("pk", flat=True))
            group.permissions.set(permissions)
            after = {p.pk for p in permissions}
            status = "created" if created else ("updated" if before != after else "unchanged")
            self.stdout.write(f"{role}: {len(permissions)} permissions ({status})")
