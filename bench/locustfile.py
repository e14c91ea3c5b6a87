"""The benchmark's load mix, for Locust (headless). Started by bench/run.py, which passes
the fixtures made by bench/prepare.py in BENCH_FIXTURES.

Every request has a fixed name, so the statistics group per endpoint; `floor` is
the one-query page (config.bench_views) measured in the same run as the others.
"""

import collections
import datetime as dt
import json
import os
import random
import sys

from locust import FastHttpUser, HttpUser, between, constant_throughput, task

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from statistics_mix import STATISTICS

FIXTURES = json.loads(open(os.environ["BENCH_FIXTURES"]).read())  # noqa: SIM115
CSRF = FIXTURES["csrf"]
QUERIES = [
    "dang ky khai sinh",
    "khai sinh",
    "đăng ký kết hôn",
    "thuong tru",
    "giấy phép xây dựng",
    "ho tich",
    "xac nhan tinh trang hon nhan",
    "chung thuc",
]
# Dossiers submitted during the run join the receptionist's pile (one process, gevent).
TO_RECEIVE = collections.deque(FIXTURES["submitted"])
WAIT = between(
    float(os.environ.get("BENCH_WAIT_MIN", "0.1")), float(os.environ.get("BENCH_WAIT_MAX", "0.4"))
)


def _cookies(session=None):
    cookies = {"csrftoken": CSRF, "django_language": "vi"}
    if session:
        cookies[FIXTURES["session_cookie"]] = session
    return cookies


def _get(client, url, name, expect=200):
    with client.get(url, name=name, allow_redirects=False, catch_response=True) as response:
        if response.status_code != expect:
            response.failure(f"HTTP {response.status_code}")
        else:
            response.success()


class Anonymous(HttpUser):
    weight = 4
    wait_time = WAIT

    def on_start(self):
        self.client.cookies.update(_cookies())

    @task(3)
    def floor(self):
        _get(self.client, f"/bench/floor/?id={random.choice(FIXTURES['floor_ids'])}", "floor")

    @task(3)
    def catalogue_search(self):
        _get(self.client, f"/thu-tuc/?q={random.choice(QUERIES)}", "catalogue search")

    @task(2)
    def procedure_page(self):
        _get(self.client, f"/thu-tuc/{random.choice(FIXTURES['procedures'])}/", "procedure page")

    @task(2)
    def public_lookup(self):
        _get(self.client, f"/tra-cuu/?ma={random.choice(FIXTURES['codes'])}", "public lookup")


def _submit(user, ref) -> None:
    headers = {"Referer": user.host + "/"}
    if isinstance(user, FastHttpUser):
        # Its client keeps no cookies set by hand: sent as the header instead.
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in _cookies(user.me["session"]).items())
    with user.client.post(
        f"/ho-so/{ref}/xem-lai/",
        data={"csrfmiddlewaretoken": CSRF},
        headers=headers,
        name="submission",
        allow_redirects=False,
        catch_response=True,
    ) as response:
        if response.status_code == 302 and "/da-nop/" in response.headers.get("Location", ""):
            response.success()
            TO_RECEIVE.append(ref)
        else:
            response.failure(f"HTTP {response.status_code}")


class Citizen(HttpUser):
    weight = 3
    wait_time = WAIT

    def on_start(self):
        self.me = random.choice(FIXTURES["citizens"])
        self.client.cookies.update(_cookies(self.me["session"]))

    @task(3)
    def my_dossiers(self):
        _get(self.client, "/ho-so/", "my dossiers")

    @task(3)
    def dossier_page(self):
        if self.me["dossiers"]:
            _get(self.client, f"/ho-so/{random.choice(self.me['dossiers'])}/", "dossier page")

    @task(1)
    def submission(self):
        if not self.me["drafts"]:
            return
        _submit(self, self.me["drafts"].pop())


# `--mix submit` (bench/run.py): submissions only, each user at a fixed rate, so that
# users x rate is the offered load; each user submits the drafts of its own citizen.
_submitters = iter(FIXTURES["citizens"])


# The two mixes that offer a rate (`--mix submit`, `--mix api-intake`) run on
# geventhttpclient (FastHttpUser), which spends a fraction of python-requests' CPU per
# request: the load generator shares the machine's cores with the server it measures.
class Submitter(FastHttpUser):
    wait_time = constant_throughput(float(os.environ.get("BENCH_USER_RATE", "1")))

    def on_start(self):
        self.me = next(_submitters)

    @task
    def submission(self):
        if self.me["drafts"]:
            _submit(self, self.me["drafts"].pop())


class Official(HttpUser):
    abstract = True
    wait_time = WAIT
    role = ""

    def on_start(self):
        self.client.cookies.update(_cookies(FIXTURES["officials"][self.role]))

    def queue(self, name, label):
        _get(self.client, f"/mot-cua/?hang-doi={name}", label)

    @task(2)
    def queue_overdue(self):
        self.queue("overdue", "queue: overdue")

    @task(2)
    def workbench(self):
        if FIXTURES["workbench"]:
            ref = random.choice(FIXTURES["workbench"])
            _get(self.client, f"/mot-cua/ho-so/{ref}/", "workbench")


class Receptionist(Official):
    weight = 1
    role = "receptionist"

    @task(2)
    def queue_to_receive(self):
        self.queue("receive", "queue: to receive")

    @task(1)
    def queue_all(self):
        # The back office's landing tab: every dossier of the ward, soonest due first.
        self.queue("all", "queue: all")

    @task(1)
    def receive(self):
        if not TO_RECEIVE:
            return
        ref = TO_RECEIVE.popleft()
        with self.client.post(
            f"/mot-cua/ho-so/{ref}/thao-tac/receive/",
            data={"csrfmiddlewaretoken": CSRF, "note": ""},
            headers={"Referer": self.host + "/"},
            name="receive (transition)",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code == 302:
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}")


class Specialist(Official):
    weight = 1
    role = "specialist"

    @task(2)
    def queue_mine(self):
        self.queue("mine", "queue: mine")


class Leader(Official):
    weight = 1
    role = "leader"


# `--mix statistics` (bench/run.py): the statistics pages of bench/statistics_mix.py,
# each role's lines read by its own users, with the floor measured beside them.
def _a_year() -> dict:
    start = dt.date.today() - dt.timedelta(days=random.randint(365, 3 * 365))
    return {"start": start.isoformat(), "end": (start + dt.timedelta(days=364)).isoformat()}


class StatisticsReader(HttpUser):
    abstract = True
    wait_time = WAIT
    who = None

    def on_start(self):
        session = FIXTURES["officials"][self.who] if self.who else None
        self.client.cookies.update(_cookies(session))
        self.pages = [(label, path) for label, who, path in STATISTICS if who == self.who]

    @task
    def statistics_page(self):
        label, path = random.choice(self.pages)
        _get(self.client, path.format(**_a_year()), label)


class StatisticsLeader(StatisticsReader):
    who = "leader"


class StatisticsOverseer(StatisticsReader):
    who = "overseer"


class StatisticsPublic(StatisticsReader):
    @task
    def floor(self):
        _get(self.client, f"/bench/floor/?id={random.choice(FIXTURES['floor_ids'])}", "floor")


# `--mix api-intake --rate R` and `--mix api-reads` (bench/run.py): the partner API of
# a national portal or an agency's system, with the bench's API client's key.
_API = FIXTURES.get("api") or {}
_intake_seq = iter(range(10**9))


class ApiClient(HttpUser):
    abstract = True

    def on_start(self):
        self.client.headers.update(
            {"Authorization": f"Bearer {_API['key']}", "Accept": "application/json"}
        )


def _api_get(client, url, name):
    with client.get(url, name=name, allow_redirects=False, catch_response=True) as response:
        if response.status_code == 200:
            response.success()
            return response.json()
        response.failure(f"HTTP {response.status_code}")
        return None


class ApiIntake(FastHttpUser):
    """Dossiers filed by a partner at a fixed total rate, each under a new external id,
    all to one agency (its day's code counter is the one shared row)."""

    default_headers = {
        "Authorization": f"Bearer {_API.get('key', '')}",
        "Accept": "application/json",
    }
    wait_time = constant_throughput(float(os.environ.get("BENCH_USER_RATE", "1")))

    @task
    def intake(self):
        n = next(_intake_seq)
        person = _API["applicants"][n % len(_API["applicants"])]
        body = {
            "external_id": f"{_API['run']}-{n}",
            "procedure": _API["procedure"],
            "case": _API["case"],
            "channel": "online",
            "receiving_agency": _API["agency"],
            "applicant": person,
            "declaration": {k: v.format(**person) for k, v in _API["declaration"].items()},
        }
        with self.client.post(
            "/api/v1/dossiers/", json=body, name="api: intake", catch_response=True
        ) as response:
            if response.status_code == 201 and response.json().get("code"):
                response.success()
            else:
                response.failure(f"HTTP {response.status_code}: {response.text[:200]}")


class ApiReader(ApiClient):
    """A partner catching up on changes: the list from a point in time (a page at any
    depth, keyset), the next page through its cursor, one dossier's detail."""

    wait_time = WAIT

    @task(3)
    def list_since(self):
        since = dt.datetime.now(dt.UTC) - dt.timedelta(days=random.uniform(0, 4 * 365))
        page = _api_get(
            self.client,
            f"/api/v1/dossiers/?agency={_API['agency']}&updated_since={since:%Y-%m-%dT%H:%M:%SZ}",
            "api: list, since a date",
        )
        if page and page.get("next"):
            _api_get(self.client, page["next"], "api: list, next page")

    @task(2)
    def detail(self):
        _api_get(
            self.client, f"/api/v1/dossiers/{random.choice(FIXTURES['codes'])}/", "api: dossier"
        )

    @task(2)
    def floor(self):
        _get(self.client, f"/bench/floor/?id={random.choice(FIXTURES['floor_ids'])}", "floor")
