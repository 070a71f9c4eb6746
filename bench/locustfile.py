"""The mixed load of `make bench`: staff who sign in, then list, search, open cases and add notes.

Run by bench/run.py against `pristan start` (gunicorn, the production profile) on the benchmark's
PostgreSQL database:

    locust -f bench/locustfile.py --headless --users 50 --spawn-rate 10 --run-time 60s --host http://127.0.0.1:PORT

BENCH_ACCOUNTS names the load-accounts.json written when the database was built
(bench/suite/accounts.py): one account per simulated user, with its password, its authenticator's
key, references of cases of its office and names of their people.

Locust stands where the reverse proxy stands in production: it sends `X-Forwarded-Proto: https`,
which the production profile trusts (SECURE_PROXY_SSL_HEADER), and the Origin of that HTTPS site
with its form posts (CSRF). Its cookie jar sends the server's Secure cookies over the plain hop
from the proxy to gunicorn. Nothing in the server's settings is changed for the test.
"""

from __future__ import annotations

import http.cookiejar
import itertools
import json
import os
import random
import re
import threading
from typing import Any

from django_otp.oath import totp
from locust import HttpUser, between, events, task

ACCOUNTS: list[dict[str, Any]] = json.loads(open(os.environ["BENCH_ACCOUNTS"], encoding="utf-8").read())  # noqa: SIM115
_next_account = itertools.count()
_lock = threading.Lock()
# A person reading a page: 1 to 2 seconds between actions (BENCH_WAIT="min,max" changes it).
WAIT_MIN, WAIT_MAX = (float(part) for part in os.environ.get("BENCH_WAIT", "1,2").split(","))
CSRF_INPUT = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
# Every request's name, milliseconds and failure, written when locust stops (BENCH_SAMPLES), so that
# the harness computes exact percentiles (locust's own are rounded) with and without the sign-ins.
SAMPLES: list[tuple[str, float, bool]] = []


@events.request.add_listener
def _record(name: str, response_time: float, exception: BaseException | None, **_: Any) -> None:
    SAMPLES.append((name, response_time, exception is not None))


@events.quitting.add_listener
def _write_samples(**_: Any) -> None:
    if path := os.environ.get("BENCH_SAMPLES"):
        with open(path, "w", encoding="utf-8") as handle:
            json.dump(SAMPLES, handle)


def _secure_cookies_on_the_proxy_hop(policy: Any, cookie: http.cookiejar.Cookie, request: Any) -> bool:
    """Secure cookies are sent on the plain-HTTP hop behind the TLS-terminating proxy. Patched on the
    policy class, in this (locust's) process only: requests copies cookies into new jars with the
    default policy for each request and redirect, so a policy set on one jar would not hold."""
    return True


http.cookiejar.DefaultCookiePolicy.return_ok_secure = _secure_cookies_on_the_proxy_hop  # type: ignore[method-assign,assignment]


class Staff(HttpUser):
    wait_time = between(WAIT_MIN, WAIT_MAX)

    def on_start(self) -> None:
        with _lock:
            index = next(_next_account)
        if index >= len(ACCOUNTS):
            raise RuntimeError(f"Only {len(ACCOUNTS)} load-test accounts: more users need more (bench/suite/accounts.py)")
        self.account = ACCOUNTS[index]
        self.rng = random.Random(index)  # noqa: S311 - which case or name next, reproducibly per user
        self.client.headers.update({"X-Forwarded-Proto": "https", "Origin": (self.host or "").replace("http://", "https://", 1)})
        self.sign_in()

    def _post(self, path: str, data: dict[str, str], *, name: str, form_page: str | None = None, **options: Any) -> Any:
        """POST with the CSRF token of the form's page (fetched first when given, as a browser has it)."""
        token = self.client.cookies.get("csrftoken", "")
        if form_page is not None:
            page = self.client.get(form_page, name=f"{name} (form)")
            found = CSRF_INPUT.search(page.text)
            token = found.group(1) if found else token
        return self.client.post(path, data={**data, "csrfmiddlewaretoken": token}, name=name, **options)

    def sign_in(self) -> None:
        account = self.account
        self._post("/accounts/login/", {"username": account["username"], "password": account["password"]},
                   name="sign in: password", form_page="/accounts/login/")  # fmt: skip
        key = bytes.fromhex(account["totp_key"])
        with self._post("/accounts/two-step/", {"code": f"{totp(key):06d}"}, name="sign in: code",
                        form_page="/accounts/two-step/", catch_response=True) as response:  # fmt: skip
            if "/accounts/" in response.url:  # still on a sign-in page: the code was refused
                response.failure(f"{account['username']} is not signed in: {response.url}")

    @task(3)
    def case_list(self) -> None:
        page = self.rng.choice(["1", "2", "5", "20"])
        self.client.get(f"/cases/?page={page}", name="case list")

    @task(3)
    def search(self) -> None:
        name = self.rng.choice(self.account["names"])
        self._post("/cases/", {"q": name}, name="search (POST)")

    @task(3)
    def case_page(self) -> None:
        reference = self.rng.choice(self.account["references"])
        self.client.get(f"/cases/{reference}/", name="case page")

    @task(1)
    def add_note(self) -> None:
        reference = self.rng.choice(self.account["references"])
        self._post(f"/cases/{reference}/notes/add/", {"text": "Called; follow-up visit agreed."}, name="add a note",
                   form_page=f"/cases/{reference}/notes/")  # fmt: skip
