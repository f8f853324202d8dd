"""The load test's users (locust, run headless by bench/load.py): several roles at once
against the served product. LOAD_DATA names a JSON file bench/load.py wrote (household ids
of the county, public QR tokens, the password); LOAD_ACKS the file where the acknowledged
writes are counted at the end (checked against the database by bench/load.py).

    LoadCounty    于都县扶贫办: 管理贫困户信息 with filters and deep pages, a household page,
                  the region page
    LoadTownship  贡江镇扶贫办: 贫困户脱贫情况 (100 rows), then 脱贫 of 50 ticked households
    LoadVisitor   the public QR page a door plate leads to (anonymous)
    ListOnly      only the county's household list, no waiting (throughput; run alone)
"""

import json
import os
import random
import re

from locust import HttpUser, between, events, task

DATA = json.loads(open(os.environ["LOAD_DATA"], encoding="utf-8").read())  # noqa: SIM115
ACKS = {"lift_batches": 0, "lifted": 0, "refused": 0}
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
TICK = re.compile(r'name="households" value="(\d+)"')
SUMMARY = re.compile(r"已将 (\d+) 户标记为.*?；(\d+) 户未变更")


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
