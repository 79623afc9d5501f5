from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe
from django.views.i18n import set_language

from customers import services
from customers.models import Customer
from privacy.http import client_ip


@require_safe
def landing(request: HttpRequest) -> HttpResponse:
    return render(request, "customers/landing.html")


@never_cache
@require_safe
def healthz(request: HttpRequest) -> HttpResponse:
    """200 when the database answers a query, 503 when it does not."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError:
        return HttpResponse("database unavailable\n", status=503, content_type="text/plain")
    return HttpResponse("ok\n", content_type="text/plain")


@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    """Django's language switch, which also keeps a signed-in customer's choice on their
    record, so emails go out in it too (DESIGN.md, "Look and feel")."""
    response = set_language(request)
    language = request.POST.get("language", "")
    if (
        request.user.is_authenticated
        and language in dict(settings.LANGUAGES)
        and response.status_code in (200, 302)
    ):
        customer = Customer.objects.filter(user=request.user).first()
        if customer is not None and customer.language != language:
            services.customer_update_by_subject(
                customer=customer,
                data={"language": language},
                actor=request.user,
                client_ip=client_ip(request),
            )
    return response
