"""`manage.py remind_requests`: the DPO's daily digest of requests on the Art 12(3) clock."""

from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandError
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation

from privacy import dashboard
from privacy.services.requests import EXTENDABLE, first_due_on


class Command(BaseCommand):
    help = (
        "Mail DPO_EMAIL a digest of overdue requests and those due within 7 days (run daily). "
        "Sends nothing when nothing is due."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        # Checked before anything else: a missing address must fail every day, not only
        # on the first day something falls due.
        recipient = settings.DPO_EMAIL
        if not recipient:
            raise CommandError("DPO_EMAIL is not set: there is nowhere to send the digest.")
        today = timezone.localdate()
        overdue, due_soon = [], []
        for request in dashboard.open_requests():
            flag = dashboard.due_flag(request, today)
            item = {
                "request": request,
                "days": abs((request.due_on - today).days),
                "extendable": request.status in EXTENDABLE and today < first_due_on(request),
                "url": settings.SITE_URL
                + reverse("admin:privacy_datasubjectrequest_change", args=[request.pk]),
            }
            if flag == dashboard.OVERDUE:
                overdue.append(item)
            elif flag == dashboard.DUE_SOON:
                due_soon.append(item)
        if not overdue and not due_soon:
            # No mail: a daily "nothing to do" message teaches people to ignore the digest.
            self.stdout.write("nothing due")
            return
        context = {
            "today": today,
            "overdue": overdue,
            "due_soon": due_soon,
            "queue_url": settings.SITE_URL + reverse("admin:privacy_datasubjectrequest_changelist"),
        }
        # The staff side's language: the DPO reads the admin in it too.
        with translation.override(settings.LANGUAGE_CODE):
            subject = render_to_string("emails/requests/dpo_digest_subject.txt", context)
            body = render_to_string("emails/requests/dpo_digest_body.txt", context)
        send_mail(" ".join(subject.split()), body, None, [recipient])
        self.stdout.write(
            f"Sent the digest to {recipient}: {len(overdue)} overdue, "
            f"{len(due_soon)} due within 7 days."
        )
        for item in [*overdue, *due_soon]:
            request = item["request"]
            self.stdout.write(f"  {request.due_on:%Y-%m-%d} {request.kind} #{request.pk}")
