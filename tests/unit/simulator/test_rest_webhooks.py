"""Webhook deliveries over REST: newest first, cursor pages, redelivery attempts (202), the App's
hook behind its JWT, 404 for unknown hooks and deliveries, 403 without the Webhooks permission,
and the same rate limit as every REST request."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import jwt
import pytest
import requests

from simulator import Fault, GitHubSimulator
from tests.conftest import new_key_pair
from tests.unit.simulator.conftest import TOKEN, rest

APP_ID = "777"
PRIVATE_KEY, PUBLIC_KEY = new_key_pair()
T0 = datetime(2026, 5, 6, 10, 0, tzinfo=timezone.utc)


@pytest.fixture
def sim():
    with GitHubSimulator(orgs={"acme": 2}, seed=4, tokens=(TOKEN,), apps={APP_ID: PUBLIC_KEY}) as sim:
        sim.add_webhook("acme", 123)
        sent: list[int] = []

        def redeliver(attempt_id: int) -> None:  # what WebhookSender.redeliver does: send, record
            old = sim.webhook_log.get(attempt_id)
            sent.append(attempt_id)
            sim.webhook_log.record(old.guid, old.hook_id, old.event, old.action, 200, redelivery=True)

        sim.set_webhook_redeliver(redeliver)
        sim.sent = sent  # type: ignore[attr-defined]
        yield sim


def app_jwt(app_id: str = APP_ID, key: str = PRIVATE_KEY) -> str:
    now = int(time.time())
    return jwt.encode({"iat": now - 60, "exp": now + 540, "iss": app_id}, key, algorithm="RS256")


def post(sim, path: str, auth: str = f"token {TOKEN}") -> requests.Response:
    return requests.post(sim.url + path, headers={"Authorization": auth}, timeout=10)


def record(sim, count: int, hook_id: str = "123") -> list[int]:
    return [sim.webhook_log.record(f"guid-{i}", hook_id, "pull_request", "opened", 200 if i % 2 else 502,
                                   delivered_at=T0 + timedelta(minutes=i)).id for i in range(count)]


def test_org_deliveries_newest_first_in_cursor_pages(sim):
    ids = record(sim, 5)
    record(sim, 2, hook_id="999")  # another hook's deliveries are not listed
    first = rest(sim, "/orgs/acme/hooks/123/deliveries?per_page=2")
    assert first.status_code == 200
    assert [d["id"] for d in first.json()] == ids[::-1][:2]
    assert set(first.json()[0]) >= {"id", "guid", "delivered_at", "redelivery", "status", "status_code",
                                    "event", "action"}
    assert set(first.links) == {"next"} and "cursor=v1_" in first.links["next"]["url"]
    seen = [d["id"] for d in first.json()]
    url = first.links["next"]["url"]
    while url:
        page = requests.get(url, headers={"Authorization": f"token {TOKEN}"}, timeout=10)
        seen += [d["id"] for d in page.json()]
        url = page.links.get("next", {}).get("url")
    assert seen == ids[::-1]
    everything = rest(sim, "/orgs/acme/hooks/123/deliveries?per_page=500")  # capped at 100: one page
    assert len(everything.json()) == 5 and "link" not in everything.headers
    assert rest(sim, "/orgs/acme/hooks/123/deliveries?cursor=bogus").status_code == 422


def test_redelivery_attempt_answers_202_and_sends_again(sim):
    failed = record(sim, 1)[0]
    answer = post(sim, f"/orgs/acme/hooks/123/deliveries/{failed}/attempts")
    assert (answer.status_code, answer.json()) == (202, {})
    assert sim.sent == [failed]
    newest = rest(sim, "/orgs/acme/hooks/123/deliveries").json()[0]
    assert (newest["guid"], newest["redelivery"], newest["status"]) == ("guid-0", True, "OK")


def test_unknown_hooks_and_deliveries_answer_404(sim):
    other = record(sim, 1, hook_id="999")[0]
    assert rest(sim, "/orgs/acme/hooks/999/deliveries").status_code == 404
    assert rest(sim, "/orgs/other/hooks/123/deliveries").status_code == 404  # the hook is acme's
    assert post(sim, f"/orgs/acme/hooks/123/deliveries/{other}/attempts").status_code == 404  # not this hook's
    assert post(sim, "/orgs/acme/hooks/123/deliveries/424242/attempts").status_code == 404
    assert post(sim, "/orgs/acme/hooks/123/deliveries").status_code == 404  # no POST on the list
    sim.remove_webhook(123)
    assert rest(sim, "/orgs/acme/hooks/123/deliveries").status_code == 404
    assert sim.sent == []


def test_without_the_webhooks_permission_403_names_it(sim):
    failed = record(sim, 1)[0]
    sim.set_webhook_access("acme", False)
    listed = rest(sim, "/orgs/acme/hooks/123/deliveries")
    assert listed.status_code == 403
    assert listed.headers["x-accepted-github-permissions"] == "organization_hooks=read"
    assert listed.headers["x-accepted-oauth-scopes"] == "admin:org_hook"
    attempt = post(sim, f"/orgs/acme/hooks/123/deliveries/{failed}/attempts")
    assert attempt.status_code == 403 and attempt.headers["x-accepted-github-permissions"] == "organization_hooks=write"
    assert sim.sent == []


def test_app_hook_needs_the_app_jwt(sim):
    ours = sim.webhook_log.record("g-app", sim.app_hook_id, "workflow_job", "queued", 504).id
    org_delivery = record(sim, 1)[0]  # an org hook's delivery is not the App's
    assert [d["id"] for d in rest(sim, "/app/hook/deliveries", token=None,
                                  headers={"Authorization": f"Bearer {app_jwt()}"}).json()] == [ours]
    assert rest(sim, "/app/hook/deliveries").status_code == 401  # a token is no JWT
    assert rest(sim, "/app/hook/deliveries", token=None,
                headers={"Authorization": f"Bearer {app_jwt(key=new_key_pair()[0])}"}).status_code == 401
    assert rest(sim, "/app/hook/deliveries", token=None,
                headers={"Authorization": f"Bearer {app_jwt(app_id='1')}"}).status_code == 401
    answer = post(sim, f"/app/hook/deliveries/{ours}/attempts", auth=f"Bearer {app_jwt()}")
    assert answer.status_code == 202 and sim.sent == [ours]
    assert post(sim, f"/app/hook/deliveries/{org_delivery}/attempts", auth=f"Bearer {app_jwt()}").status_code == 404


def test_requests_are_charged_and_a_refused_post_sends_nothing(sim):
    failed = record(sim, 1)[0]
    rest(sim, "/orgs/acme/hooks/123/deliveries")
    assert sim.rate_limit(TOKEN, "rest").used == 1
    sim.set_budget(TOKEN, remaining=0, reset_in=600, resource="rest")
    refused = post(sim, f"/orgs/acme/hooks/123/deliveries/{failed}/attempts")
    assert refused.status_code == 403 and refused.headers["x-ratelimit-remaining"] == "0"
    assert sim.sent == []
    sim.set_budget(TOKEN, remaining=10, resource="rest")
    sim.add_fault(Fault("bad_gateway_json", api="rest", on_request=sim.count(kind="rest") + 1))
    assert post(sim, f"/orgs/acme/hooks/123/deliveries/{failed}/attempts").status_code == 502
    assert sim.sent == []  # a 502 sends nothing: the sweep's next run asks again
