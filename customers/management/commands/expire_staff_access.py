from typing import Any

from django.core.management.base import BaseCommand

from customers.services import staff_access_expire


class Command(BaseCommand):
    help = "Remove staff role grants whose last day is over (run daily)."

    def handle(self, *args: Any, **options: Any) -> None:
        report = staff_access_expire()
        for email, role, until in report.removed:
            self.stdout.write(f"Removed {role} from {email} (ended {until:%Y-%m-%d})")
        self.stdout.write(f"{len(report.removed)} expired grant(s) removed.")
