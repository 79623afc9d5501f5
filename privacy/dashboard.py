"""Reads for the DPO: the request queue on the Art 12(3) clock, and the dashboard (open
requests by due date, breaches near the Art 33 deadline, register size, consent rates),
with the geometry of its small server-rendered SVG bar charts."""

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import (
    Case,
    Count,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import ExtractDay, ExtractMonth, ExtractYear
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from consents.models import ConsentEvent, Purpose
from customers.models import Customer, Purchase
from privacy.models import NOTIFY_WITHIN, Breach, DataSubjectRequest

DUE_SOON_DAYS = 7
# A breach not yet notified is highlighted when this little of its 72 hours is left.
BREACH_NEAR = timedelta(hours=24)

OVERDUE = "overdue"
DUE_SOON = "due_soon"


# -- The queue's order ----------------------------------------------------------------------


def _date_key(day: date) -> int:
    return (day.year * 12 + day.month) * 32 + day.day


def with_due_key(queryset: QuerySet[DataSubjectRequest]) -> QuerySet[DataSubjectRequest]:
    """Annotate `due_key`, an integer that orders requests exactly as their due dates do.

    The due date is `add_months(received_on, 1 or 3)`: its month index (year * 12 + month)
    is the receipt's plus 1 or 3, and its day the receipt's day clamped to the month's end.
    Clamping never reorders (min(d, L) grows with d), so (month index, unclamped day) sorts
    like the real due date and compares exactly against any real date's key (`_date_key`),
    in SQL on SQLite and PostgreSQL alike, with nothing new stored.
    """
    extended = ~Q(extension_reason="") & Q(person_told_of_extension_on__isnull=False)
    months = Case(When(extended, then=Value(3)), default=Value(1), output_field=IntegerField())
    return queryset.annotate(
        due_key=(ExtractYear("received_on") * 12 + ExtractMonth("received_on") + months) * 32
        + ExtractDay("received_on"),
        closed_rank=Case(
            When(status__in=DataSubjectRequest.OPEN_STATUSES, then=Value(0)),
            default=Value(1),
            output_field=IntegerField(),
        ),
    )


def due_before(queryset: QuerySet[DataSubjectRequest], day: date) -> QuerySet[DataSubjectRequest]:
    """Requests (annotated by `with_due_key`) due before `day`."""
    return queryset.filter(due_key__lt=_date_key(day))


def due_on_or_before(
    queryset: QuerySet[DataSubjectRequest], day: date
) -> QuerySet[DataSubjectRequest]:
    return queryset.filter(due_key__lte=_date_key(day))


def open_requests() -> QuerySet[DataSubjectRequest]:
    """Open requests, soonest due first."""
    return (
        with_due_key(DataSubjectRequest.objects.filter(status__in=DataSubjectRequest.OPEN_STATUSES))
        .select_related("customer")
        .order_by("due_key", "pk")
    )


def due_flag(request: DataSubjectRequest, today: date | None = None) -> str:
    """OVERDUE, DUE_SOON (due today or within 7 days) or "" for an open request."""
    if not request.is_open:
        return ""
    today = today or timezone.localdate()
    if request.due_on < today:
        return OVERDUE
    if request.due_on <= today + timedelta(days=DUE_SOON_DAYS):
        return DUE_SOON
    return ""


# -- Charts -------------------------------------------------------------------------------

CHART_WIDTH = 560
LABEL_WIDTH = 200
BAR_AREA = 300
BAR_HEIGHT = 22
BAR_GAP = 8


@dataclass(frozen=True)
class Bar:
    label: str
    value: int | float
    text: str  # the value as shown next to the bar ("3", "42 %")
    width: int
    y: int
    highlight: bool = False

    @property
    def text_y(self) -> int:
        return self.y + BAR_HEIGHT - 6

    @property
    def value_x(self) -> int:
        return LABEL_WIDTH + self.width + 6


@dataclass(frozen=True)
class BarChart:
    """A horizontal bar chart, its geometry computed here so the template only places it."""

    slug: str
    title: str
    description: str
    value_heading: str
    bars: list[Bar] = field(default_factory=list)

    @property
    def height(self) -> int:
        return max(1, len(self.bars)) * (BAR_HEIGHT + BAR_GAP) + BAR_GAP

    width = CHART_WIDTH
    label_width = LABEL_WIDTH
    bar_height = BAR_HEIGHT
    label_x = LABEL_WIDTH - 8


def bar_chart(
    *,
    slug: str,
    title: str,
    description: str,
    value_heading: str,
    rows: list[tuple[str, int | float, str]],
    scale_max: float | None = None,
    highlighted: frozenset[str] = frozenset(),
) -> BarChart:
    """Bars scaled to the largest value (or `scale_max`, e.g. 100 for percentages); a
    non-zero value always gets a visible sliver."""
    top = scale_max or max((value for _, value, _ in rows), default=0) or 1
    bars = []
    for index, (label, value, text) in enumerate(rows):
        width = round(BAR_AREA * value / top)
        if value and width < 2:
            width = 2
        bars.append(
            Bar(
                label=label,
                value=value,
                text=text,
                width=width,
                y=BAR_GAP + index * (BAR_HEIGHT + BAR_GAP),
                highlight=label in highlighted,
            )
        )
    return BarChart(
        slug=slug, title=title, description=description, value_heading=value_heading, bars=bars
    )


# -- The dashboard's numbers ----------------------------------------------------------------


@dataclass(frozen=True)
class BreachRow:
    breach: Breach
    deadline: datetime
    hours_left: float
    state: str  # "notified", "overdue", "near" or ""


def open_breaches(now: datetime | None = None) -> list[BreachRow]:
    """Open breaches; one not yet notified nor explained is overdue past its 72 hours and
    near when less than a day is left (Art 33(1))."""
    now = now or timezone.now()
    rows = []
    for breach in Breach.objects.filter(closed_at__isnull=True).order_by("aware_at", "pk"):
        deadline = breach.aware_at + NOTIFY_WITHIN
        left = (deadline - now).total_seconds() / 3600
        if breach.authority_notified_at or breach.not_notified_reason:
            state = "notified"
        elif left < 0:
            state = "overdue"
        elif left <= BREACH_NEAR.total_seconds() / 3600:
            state = "near"
        else:
            state = ""
        rows.append(BreachRow(breach=breach, deadline=deadline, hours_left=left, state=state))
    return rows


@dataclass(frozen=True)
class ConsentRate:
    purpose: Purpose
    audience: int
    granted: int
    contactable: int

    @property
    def percent(self) -> int:
        return round(100 * self.granted / self.audience) if self.audience else 0


def consent_rates() -> list[ConsentRate]:
    """For each active purpose: of the customers it applies to, how many hold a current
    grant (their latest ledger event for it is a grant), and how many may be contacted
    (`Customer.objects.contactable`, which also counts exceptions, restrictions,
    objections and suppressions)."""
    rates = []
    for purpose in Purpose.objects.filter(active=True).order_by("key"):
        audience = Customer.objects.all()
        if purpose.audience == Purpose.Audience.PEOPLE:
            audience = audience.persons()
        elif purpose.audience == Purpose.Audience.ORGANIZATIONS:
            audience = audience.organizations()
        latest = (
            ConsentEvent.objects.filter(customer__in=audience, purpose=purpose)
            .order_by("customer_id", "-occurred_at", "-id")
            .values_list("customer_id", "kind")
        )
        state: dict[int, str] = {}
        for customer_id, kind in latest.iterator(chunk_size=2000):
            state.setdefault(customer_id, kind)  # the first row per customer is the latest
        rates.append(
            ConsentRate(
                purpose=purpose,
                audience=audience.count(),
                granted=sum(1 for kind in state.values() if kind == ConsentEvent.Kind.GRANT),
                contactable=Customer.objects.contactable(purpose).count(),
            )
        )
    return rates


def request_buckets(requests: list[DataSubjectRequest], today: date) -> list[tuple[str, int, str]]:
    """Open requests counted by when they are due."""
    limits = [
        (_("Overdue"), None, -1),
        (_("Due within 7 days"), 0, DUE_SOON_DAYS),
        (_("In 8–14 days"), DUE_SOON_DAYS + 1, 14),
        (_("In 15–31 days"), 15, 31),
        (_("Later"), 32, None),
    ]
    rows = []
    for label, low, high in limits:
        count = 0
        for request in requests:
            days = (request.due_on - today).days
            if (low is None or days >= low) and (high is None or days <= high):
                count += 1
        rows.append((str(label), count, str(count)))
    return rows


def dashboard_context(now: datetime | None = None) -> dict[str, Any]:
    now = now or timezone.now()
    today = timezone.localdate(now)
    requests = list(open_requests())
    flags = {request.pk: due_flag(request, today) for request in requests}
    overdue = sum(1 for flag in flags.values() if flag == OVERDUE)
    due_soon = sum(1 for flag in flags.values() if flag == DUE_SOON)
    breaches = open_breaches(now)
    kinds = dict(Customer.objects.order_by().values_list("kind").annotate(n=Count("pk")))
    people = kinds.get(Customer.Kind.PERSON, 0)
    organizations = kinds.get(Customer.Kind.ORGANIZATION, 0)
    purchases = Purchase.objects.count()
    rates = consent_rates()
    request_rows = request_buckets(requests, today)
    charts = [
        bar_chart(
            slug="requests",
            title=_("Open requests by due date"),
            description=_("Number of open data subject requests in each due-date group."),
            value_heading=_("Requests"),
            rows=request_rows,
            highlighted=frozenset({str(_("Overdue"))} if overdue else ()),
        ),
        bar_chart(
            slug="register",
            title=_("Register size"),
            description=_("Customers by kind, and purchases."),
            value_heading=_("Count"),
            rows=[
                (str(_("People")), people, str(people)),
                (str(_("Organizations")), organizations, str(organizations)),
                (str(_("Purchases")), purchases, str(purchases)),
            ],
        ),
        bar_chart(
            slug="consents",
            title=_("Consent rates by purpose"),
            description=_(
                "Share of each purpose's audience whose latest consent event is a grant."
            ),
            value_heading=_("With a current grant"),
            rows=[(rate.purpose.name, rate.percent, f"{rate.percent} %") for rate in rates],
            scale_max=100,
        ),
    ]
    return {
        "today": today,
        "requests": [(request, flags[request.pk]) for request in requests],
        "open_count": len(requests),
        "overdue_count": overdue,
        "due_soon_count": due_soon,
        "breaches": breaches,
        "breach_alerts": sum(1 for row in breaches if row.state in ("overdue", "near")),
        "people": people,
        "organizations": organizations,
        "purchases": purchases,
        "rates": rates,
        "charts": charts,
    }


def dashboard_view(request: HttpRequest) -> HttpResponse:
    """The DPO's dashboard in the admin (same permission as the record of processing)."""
    # Imported here: privacy.admin imports this module's queue helpers.
    from django.contrib import admin
    from django.core.exceptions import PermissionDenied

    if not request.user.has_perm("privacy.view_record_of_processing"):
        raise PermissionDenied
    context = {
        **admin.site.each_context(request),
        "title": _("Data protection dashboard"),
        **dashboard_context(),
    }
    return TemplateResponse(request, "admin/privacy/dashboard.html", context)
