"""The load test's users (locust, run headless by bench/load.py): several roles at once
against the served product. LOAD_DATA names a JSON file bench/load.py wrote (household ids
of the county, public QR tokens, the password); LOAD_ACKS the file where the acknowledged
writes are counted at the end (checked against the database by bench/load.py).

    LoadCounty    于都县扶贫办: 管理贫困户信息 with filters and deep pages, a household page,
                  the region page
    LoadTownship  贡江镇扶贫办: 贫困户脱贫情况 (100 rows), then 脱贫 of 50 ticked households
    LoadVillage   仓前村委会's cadres, each with a phone of its own (the SMS step read from
                  the outbox file): 贫困户认领管理 › 认领, then 家庭生产情况 of a household
                  it claimed changed and saved (a version-checked edit)
    LoadCity      赣州市扶贫办: 统计 and the home page
    LoadVisitor   the public QR page a door plate leads to (anonymous)
    ListOnly      only the county's household list, no waiting (throughput; run alone)
"""

import itertools
import json
import os
import random
import re
import time
from html.parser import HTMLParser
from pathlib import Path

from locust import HttpUser, between, events, task

DATA = json.loads(open(os.environ["LOAD_DATA"], encoding="utf-8").read())  # noqa: SIM115
ACKS = dict.fromkeys(
    ("lift_batches", "lifted", "refused", "claims", "claims_refused", "edits", "edits_refused"),
    0,
) | {"exports": 0, "downloads": 0}
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TICK = re.compile(r'name="households" value="(\d+)"')
SUMMARY = re.compile(r"已将 (\d+) 户标记为.*?；(\d+) 户未变更")
CLAIM_FORM = re.compile(r'action="/households/(\d+)/claim/"')
CLAIMED = re.compile(r"已认领 [^<]+。")
SMS_OUTBOX = Path(os.environ.get("SMS_FILE_PATH", "var/sms")) / "messages.jsonl"
CODE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
PHONES = itertools.count()


class FormFields(HTMLParser):
    """The fields a browser would submit from the page's POST form holding `version`."""

    def __init__(self):
        super().__init__()
        self.forms, self.current, self.select = [], None, None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and a.get("method", "").lower() == "post":
            self.current = {}
            self.forms.append(self.current)
        elif tag == "option" and self.current is not None and self.select:
            # The selected option, or the first one where none is marked (as a browser does).
            if "selected" in a or self.select not in self.current:
                self.current[self.select] = a.get("value", "")
        elif self.current is None or not a.get("name"):
            return
        elif tag == "input" and a.get("type") not in ("checkbox", "radio", "submit"):
            self.current[a["name"]] = a.get("value", "")
        elif tag == "input" and "checked" in a:
            self.current[a["name"]] = a.get("value", "on")
        elif tag == "select":
            self.select = a["name"]

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None
        elif tag == "form":
            self.current = None


def versioned_form(html: str) -> dict:
    parser = FormFields()
    parser.feed(html)
    return next((f for f in parser.forms if "version" in f), {})


class Office(HttpUser):
    abstract = True
    username = ""

    def on_start(self):
        page = self.client.get("/login/", name="/login/").text
        token = CSRF.search(page).group(1)
        response = self.client.post(
            "/login/",
            {"csrfmiddlewaretoken": token, "username": self.username, "password": DATA["password"]},
            name="/login/ POST",
            allow_redirects=False,
        )
        assert response.status_code == 302, response.status_code


class LoadCounty(Office):
    weight = 5
    username = "yudu_county"
    wait_time = between(0.5, 1.5)

    @task(4)
    def household_list(self):
        params = random.choice(
            [
                {},
                {"status": "poor"},
                {"page": str(random.randint(2, DATA["county_pages"]))},
                {"status": "lifted", "page": "2"},
                {"q": random.choice(DATA["head_names"])},
            ]
        )
        self.client.get("/households/", params=params, name="管理贫困户信息 /households/")

    @task(3)
    def household_page(self):
        pk = random.choice(DATA["county_households"])
        self.client.get(f"/households/{pk}/", name="贫困户 /households/<id>/")

    @task(1)
    def export_village(self):
        """导出 of one village's households, then its download."""
        page = self.client.get(
            "/exchange/export/",
            params={"region": DATA["village_region"]},
            name="导出 /exchange/export/",
        ).text
        with self.client.post(
            "/exchange/export/start/",
            {"csrfmiddlewaretoken": CSRF.search(page).group(1), "region": DATA["village_region"]},
            name="导出 POST /exchange/export/start/",
            catch_response=True,
        ) as response:
            job = re.search(r"/exchange/exports/(\d+)/", response.url or "")
            if job is None:
                response.failure(f"no export job (status {response.status_code})")
                return
            ACKS["exports"] += 1  # the page answered with the job's progress page
        # A village over EXCHANGE_EXPORT_INLINE_MAX households is built by the task worker:
        # its progress page polls the job's state, as this does.
        for _ in range(120):
            state = self.client.get(
                f"/exchange/exports/{job.group(1)}/status/",
                name="导出进度 /exchange/exports/<id>/status/",
            ).json()
            if state["finished"]:
                break
            time.sleep(1)
        download = self.client.get(
            f"/exchange/exports/{job.group(1)}/download/",
            name="下载 /exchange/exports/<id>/download/",
        )
        if download.status_code == 200 and download.content[:2] == b"PK":
            ACKS["downloads"] += 1

    @task(1)
    def region_page(self):
        self.client.get(f"/regions/{DATA['county_region']}/", name="区域 /regions/<id>/")


class LoadTownship(Office):
    weight = 1
    username = "gongjiang_town"
    wait_time = between(1, 3)

    @task
    def lift_fifty(self):
        page = random.randint(1, DATA["lift_pages"])
        listing = self.client.get(
            "/assessment/lift/", params={"page": str(page)}, name="贫困户脱贫情况 /assessment/lift/"
        ).text
        ids = TICK.findall(listing)
        match = CSRF.search(listing)
        if len(ids) < 50 or match is None:
            return  # the page ran out of poor households: nothing to tick
        ticked = random.sample(ids, 50)
        with self.client.post(
            "/assessment/lift/",
            {
                "csrfmiddlewaretoken": match.group(1),
                "households": ticked,
                "to": "lifted",
                "opinion": "压力测试：收入达标，两不愁三保障",
            },
            name="脱贫 50 户 POST /assessment/lift/",
            catch_response=True,
        ) as response:
            summary = SUMMARY.search(response.text)
            if response.status_code != 200 or summary is None:
                response.failure(f"no 脱贫结果 (status {response.status_code})")
                return
            ACKS["lift_batches"] += 1
            ACKS["lifted"] += int(summary.group(1))
            ACKS["refused"] += int(summary.group(2))


class LoadVillage(HttpUser):
    """A village cadre: the password, then the SMS code of the cadre's own phone."""

    weight = 2
    wait_time = between(1, 3)

    def on_start(self):
        self.claimed = []
        index = next(PHONES) % len(DATA["phones"])
        page = self.client.get("/login/", name="/login/").text
        self.client.post(
            "/login/",
            {
                "csrfmiddlewaretoken": CSRF.search(page).group(1),
                "username": "cangqian_village",
                "password": DATA["password"],
            },
            name="/login/ POST",
        )
        phone = str(DATA["phones"][index])
        page = self.client.get("/login/phone/", name="/login/phone/").text
        token = CSRF.search(page).group(1)
        sent = time.time()
        self.client.post(
            "/login/phone/",
            {"csrfmiddlewaretoken": token, "phone": phone, "action": "send"},
            name="/login/phone/ 发送验证码",
        )
        code = self._code(index, sent)
        page = self.client.get("/login/phone/", name="/login/phone/").text
        response = self.client.post(
            "/login/phone/",
            {
                "csrfmiddlewaretoken": CSRF.search(page).group(1),
                "phone": phone,
                "code": code,
                "action": "verify",
            },
            name="/login/phone/ 验证并登录",
            allow_redirects=False,
        )
        assert response.status_code == 302, response.status_code

    @staticmethod
    def _code(index, sent):
        number = f"139{index + 1:08d}"
        for _ in range(100):
            for line in reversed(SMS_OUTBOX.read_text(encoding="utf-8").splitlines()):
                record = json.loads(line)
                if record["phone"] == number:
                    return CODE.search(record["text"]).group(1)
            time.sleep(0.1)
        raise RuntimeError(f"no SMS code for {number}")

    @task(2)
    def claim(self):
        listing = self.client.get("/households/claims/", name="贫困户认领管理 /households/claims/")
        found = CLAIM_FORM.findall(listing.text)
        if not found:
            return  # nothing left to claim in the village
        pk = random.choice(found[:20])
        with self.client.post(
            f"/households/{pk}/claim/",
            {"csrfmiddlewaretoken": CSRF.search(listing.text).group(1)},
            name="认领 POST /households/<id>/claim/",
            catch_response=True,
        ) as response:
            text = response.text
            if CLAIMED.search(text):
                ACKS["claims"] += 1
                self.claimed.append(pk)
            elif "认领失败" in text or "认领未成功" in text or "已由本手机号认领" in text:
                ACKS["claims_refused"] += 1  # another cadre took it first: told so
            else:
                response.failure(f"no answer to the claim (status {response.status_code})")

    @task(1)
    def edit(self):
        if not self.claimed:
            return
        pk = random.choice(self.claimed)
        url = f"/households/{pk}/production/"
        page = self.client.get(url, name="家庭生产情况 /households/<id>/production/").text
        fields = versioned_form(page)
        if not fields:
            return
        before = fields.get("distance_to_road_km") or "0"
        fields["distance_to_road_km"] = "1.5" if before not in ("1.5", "1.50") else "2.5"
        with self.client.post(
            url, fields, name="保存 家庭生产情况 POST", catch_response=True
        ) as response:
            if "已保存【家庭生产情况】" in response.text:
                ACKS["edits"] += 1
            elif "已被他人修改" in response.text:
                ACKS["edits_refused"] += 1  # a newer version won: the page said so
            else:
                response.failure(f"no answer to the edit (status {response.status_code})")


class LoadCity(Office):
    weight = 1
    username = "ganzhou_city"
    wait_time = between(1, 3)

    @task(2)
    def statistics(self):
        self.client.get("/stats/", name="统计 /stats/")

    @task(1)
    def home(self):
        self.client.get("/", name="首页 /")


class LoadVisitor(HttpUser):
    weight = 2
    wait_time = between(1, 3)

    @task
    def public_page(self):
        token = random.choice(DATA["tokens"])
        self.client.get(f"/q/{token}/", name="扫码查看 /q/<token>/")


class ListOnly(Office):
    username = "yudu_county"
    wait_time = between(0, 0)

    @task
    def household_list(self):
        self.client.get("/households/", name="管理贫困户信息 /households/")


@events.test_stop.add_listener
def write_acks(environment, **kwargs):
    with open(os.environ["LOAD_ACKS"], "w", encoding="utf-8") as out:
        json.dump(ACKS, out)
