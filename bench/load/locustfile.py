"""The load test's users (`make bench-load`; not a test): portal customers reading all my
data, editing their profile and downloading their data, and Customer service staff
searching the customer list. Each takes a signed-in session made by prepare.py."""

import itertools
import json
import os
import random
import re
from pathlib import Path

from locust import HttpUser, between, task

SESSIONS = json.loads(Path(os.environ["LOAD_SESSIONS"]).read_text())
_customer_sessions = itertools.cycle(SESSIONS["customer"])
_staff_sessions = itertools.cycle(SESSIONS["staff"])
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
NAMES = ["Aino", "Virtanen", "Mikko", "Korhonen", "asiakas12", "Tampere", "040 123"]


def _expect(response: object, path: str, text: str) -> None:
    """A 200 that is the page asked for, not a login page it was sent to instead."""
    if response.status_code != 200 or path not in response.url or text not in response.text:
        response.failure(f"{response.status_code} {response.url}")


class PortalCustomer(HttpUser):
    weight = 9
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.client.cookies.set("sessionid", next(_customer_sessions))

    @task(6)
    def all_my_data(self) -> None:
        with self.client.get(
            "/portal/", name="/portal/ (all my data)", catch_response=True
        ) as response:
            _expect(response, "/portal/", "@example.com")

    @task(2)
    def edit_profile(self) -> None:
        page = self.client.get("/portal/profile/", name="/portal/profile/ (form)")
        token = CSRF.search(page.text)
        if token is None:
            page.failure("no CSRF token on the profile form")
            return
        with self.client.post(
            "/portal/profile/",
            catch_response=True,
            data={
                "csrfmiddlewaretoken": token.group(1),
                "name": f"Kuorma Testaaja {random.randint(1, 999)}",
                "street_address": "Kuormakatu 1",
                "postal_code": "00100",
                "city": "Helsinki",
                "country": "FI",
                "phone": "",
                "language": "fi",
            },
            name="/portal/profile/ (save)",
        ) as response:
            _expect(response, "/portal/profile/", "Kuorma Testaaja")

    @task(1)
    def download(self) -> None:
        with self.client.get(
            "/portal/export/json/", name="/portal/export/json/", catch_response=True
        ) as response:
            if not response.headers.get("Content-Type", "").startswith("application/json"):
                response.failure(f"not the JSON download: {response.url}")


class CustomerServiceStaff(HttpUser):
    weight = 1
    wait_time = between(1, 3)

    def on_start(self) -> None:
        self.client.cookies.set("sessionid", next(_staff_sessions))

    @task
    def search(self) -> None:
        with self.client.get(
            f"/admin/customers/customer/?q={random.choice(NAMES)}",
            name="/admin/customers/customer/?q= (search)",
            catch_response=True,
        ) as response:
            _expect(response, "/admin/customers/customer/", 'id="changelist"')
