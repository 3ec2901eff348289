"""The redelivery sweep: exactly the GUIDs that failed and never succeeded are redelivered, once
per sweep, within the window, up to a cap; stored ones are left alone; one hook's failure does
not stop the others. Then the handler end to end against the simulator (a PAT and an App) with
the ledger in moto."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

import json

import pytest

from cdk_app.constants import WEBHOOK_SWEEP_LEDGER_ACTIONS
from ghstats.webhooks.store import StateStore

from ghstats.webhooks import names as names_webhooks

from ghstats import names
from ghstats.github.errors import FailedRequest, GitHubNoAccess, GitHubServerError
from ghstats.ledger import Ledger
from ghstats.webhooks.dedupe import DynamoDedupe, MemoryDedupe
from ghstats.webhooks.sweep import BadHookSetting, Hook, parse_hooks, sweep
from ghstats_cli.local_aws import TABLE
from handlers import webhook_sweep
from tests.conftest import TOKEN

NOW = datetime(2026, 5, 6, 12, 0, tzinfo=timezone.utc)
ACME = Hook(org="acme", hook_id="123")
GLOBEX = Hook(org="globex", hook_id="456")


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class FakeGitHub:
    """Deliveries per hook in GitHub's shape, newest first; redeliveries recorded."""

    def __init__(self) -> None:
        self.attempts: dict[str, list[dict[str, Any]]] = {}
        self.redelivered: list[tuple[str, int]] = []
        self.failing: dict[str, Exception] = {}  # hook name -> what listing raises
        self.failing_posts: dict[int, Exception] = {}

    def add(self, hook: Hook, guid: str, status_code: int, ago: timedelta = timedelta(hours=1),
            redelivery: bool = False) -> int:
        attempts = self.attempts.setdefault(hook.name, [])
        attempt_id = 1 + sum(len(a) for a in self.attempts.values())
        attempts.append({"id": attempt_id, "guid": guid, "delivered_at": iso(NOW - ago), "redelivery": redelivery,
                         "status_code": status_code, "status": "OK" if status_code < 300 else "failed",
                         "event": "pull_request", "action": "opened"})
        return attempt_id

    def list(self, hook: Hook):
        if hook.name in self.failing:
            raise self.failing[hook.name]
        yield from sorted(self.attempts.get(hook.name, []), key=lambda a: a["id"], reverse=True)

    def redeliver(self, hook: Hook, attempt_id: int) -> None:
        if attempt_id in self.failing_posts:
            raise self.failing_posts[attempt_id]
        self.redelivered.append((hook.name, attempt_id))


def run(github: FakeGitHub, hooks=(ACME,), stored: set[tuple[str, str]] = frozenset(), **kwargs: Any):
    return sweep(list(hooks), list_deliveries=github.list, redeliver=github.redeliver,
                 is_stored=lambda hook, guid: (hook.hook_id, guid) in stored, now=lambda: NOW, **kwargs)


def no_access(status: int, message: str, grant: str | None = None) -> GitHubNoAccess:
    failure = FailedRequest("rest", "GET", "https://api.github.com/orgs/x/hooks/1/deliveries", status)
    return GitHubNoAccess(f"GitHub answered {status} ({message})", status="forbidden", github_message=message,
                          grant=grant, failure=failure)


def test_a_guid_that_succeeded_once_is_never_redelivered():
    github = FakeGitHub()
    github.add(ACME, "ok-then-failed", 200, timedelta(hours=5))
    github.add(ACME, "ok-then-failed", 500, timedelta(hours=4), redelivery=True)
    github.add(ACME, "failed-then-ok", 502, timedelta(hours=3))
    github.add(ACME, "failed-then-ok", 200, timedelta(hours=2), redelivery=True)
    result = run(github)
    assert github.redelivered == []
    counts = result.hooks["acme/123"]
    assert (counts.listed, counts.failed_guids, counts.redelivered) == (4, 0, 0)
    assert result.status == names.SUCCEEDED


def test_exactly_the_failed_guids_are_redelivered_once_each_with_their_newest_attempt():
    github = FakeGitHub()
    github.add(ACME, "ok", 200)
    first = github.add(ACME, "twice-failed", 502, timedelta(hours=3))
    newest = github.add(ACME, "twice-failed", 0, timedelta(hours=2), redelivery=True)  # timed out
    only = github.add(ACME, "once-failed", 504)
    result = run(github)
    assert sorted(github.redelivered) == sorted([("acme/123", newest), ("acme/123", only)])
    assert first not in [attempt for _, attempt in github.redelivered]
    assert sorted(result.redelivered_guids) == ["once-failed", "twice-failed"]
    counts = result.hooks["acme/123"].counts()
    assert counts == {"listed": 4, "failed_guids": 2, "redelivered": 2, "already_stored": 0, "gave_up": 0, "errors": []}


def test_only_failures_inside_the_window_are_redelivered():
    github = FakeGitHub()
    github.add(ACME, "too-old", 502, timedelta(days=3, hours=1))
    inside = github.add(ACME, "recent", 502, timedelta(days=2, hours=23))
    run(github)
    assert github.redelivered == [("acme/123", inside)]
    github.redelivered.clear()
    ghes = run(github, window_days=7)  # GitHub Enterprise Server keeps a week
    assert len(github.redelivered) == 2 and ghes.hooks["acme/123"].failed_guids == 2


def test_an_old_success_just_before_the_window_still_counts():
    github = FakeGitHub()
    github.add(ACME, "ok-long-ago", 200, timedelta(days=3, hours=2))  # outside the window, inside the slack
    github.add(ACME, "ok-long-ago", 502, timedelta(days=2), redelivery=True)
    run(github)
    assert github.redelivered == []


def test_gives_up_after_the_cap():
    github = FakeGitHub()
    github.add(ACME, "hopeless", 502, timedelta(hours=9))
    for hours in (8, 7, 6):
        github.add(ACME, "hopeless", 500, timedelta(hours=hours), redelivery=True)
    github.add(ACME, "one-more-try", 502, timedelta(hours=5))
    github.add(ACME, "one-more-try", 500, timedelta(hours=4), redelivery=True)
    result = run(github)
    assert result.redelivered_guids == ["one-more-try"]
    counts = result.hooks["acme/123"]
    assert (counts.gave_up, counts.gave_up_guids, counts.failed_guids) == (1, ["hopeless"], 2)
    assert run(github, max_redeliveries=4).hooks["acme/123"].gave_up == 0


def test_a_failed_guid_we_stored_is_already_stored_not_redelivered():
    github = FakeGitHub()
    github.add(ACME, "stored-but-answered-late", 0)
    github.add(GLOBEX, "stored-but-answered-late", 502)  # the same event on another hook: not stored there
    result = run(github, hooks=(ACME, GLOBEX), stored={("123", "stored-but-answered-late")})
    assert github.redelivered == [("globex/456", 2)]
    assert (result.hooks["acme/123"].already_stored, result.hooks["acme/123"].redelivered) == (1, 0)
    assert result.hooks["globex/456"].already_stored == 0


def test_one_hook_forbidden_does_not_stop_the_others():
    github = FakeGitHub()
    github.failing["acme/123"] = no_access(403, "Resource not accessible by personal access token",
                                           "admin:org_hook")
    failed = github.add(GLOBEX, "g", 502)
    result = run(github, hooks=(ACME, GLOBEX))
    assert github.redelivered == [("globex/456", failed)]
    [error] = result.hooks["acme/123"].errors
    assert "acme/123" in error and "admin:org_hook" in error and '"Webhooks" (read & write)' in error
    assert result.status == names.PARTIAL


def test_a_hook_gone_is_its_error_and_every_hook_failing_fails_the_sweep():
    github = FakeGitHub()
    github.failing["acme/123"] = no_access(404, "Not Found")
    github.failing["globex/456"] = GitHubServerError("GitHub answered 502")
    result = run(github, hooks=(ACME, GLOBEX))
    assert "404" in result.hooks["acme/123"].errors[0] and "deleted" in result.hooks["acme/123"].errors[0]
    assert "GitHubServerError" in result.hooks["globex/456"].errors[0]
    assert result.status == names.FAILED and github.redelivered == []


def test_a_refused_redelivery_stops_that_hook_only_when_every_post_would_fail():
    github = FakeGitHub()
    gone = github.add(ACME, "a", 502, timedelta(hours=2))
    github.add(ACME, "b", 502, timedelta(hours=1))
    github.failing_posts[gone] = no_access(404, "Not Found")  # that one delivery: the others go on
    result = run(github)
    assert result.hooks["acme/123"].redelivered_guids == ["b"] and len(result.hooks["acme/123"].errors) == 1
    forbidden = no_access(403, "Resource not accessible by integration", "organization_hooks=write")
    asked: list[int] = []

    def refuse(hook: Hook, attempt_id: int) -> None:
        asked.append(attempt_id)
        raise forbidden

    result = sweep([ACME], list_deliveries=github.list, redeliver=refuse, is_stored=lambda hook, guid: False,
                   now=lambda: NOW)
    assert len(asked) == 1 and result.hooks["acme/123"].redelivered == 0  # a 403 would refuse them all
    counts = result.hooks["acme/123"]
    assert len(counts.errors) == 1 and "admin:org_hook" in counts.errors[0] and counts.failed_guids == 2


def test_parse_hooks():
    assert parse_hooks(None) == [] and parse_hooks("[]") == []
    assert parse_hooks('[{"org": "acme", "hook_id": 123}, {"app": true}]') == [ACME, Hook(app=True)]
    for bad in ('{"org": "acme"}', '[{"org": "acme"}]', '[{"hook_id": 1}]', "nope"):
        with pytest.raises(BadHookSetting):
            parse_hooks(bad)


def test_memory_dedupe_is_done():
    marks = MemoryDedupe()
    marks.claim("1", "d", "k", 0)
    assert marks.is_done("1", "d") is False
    marks.complete("1", "d", 1)
    assert marks.is_done("1", "d") is True and marks.is_done("2", "d") is False


# -- end to end: the handler against the simulator, the ledger in moto -----------------------

APP_ID = "31337"


def populate(sim, hook_id: str) -> dict[str, list[int]]:
    """Attempts in GitHub's Recent Deliveries: which GUIDs the sweep must redeliver."""
    log, now = sim.webhook_log, datetime.now(timezone.utc)
    ids: dict[str, list[int]] = {}

    def add(guid: str, code: int, hours: float, redelivery: bool = False) -> None:
        ids.setdefault(guid, []).append(log.record(guid, hook_id, "pull_request", "opened", code, redelivery=redelivery,
                                                   delivered_at=now - timedelta(hours=hours)).id)

    add("ok", 200, 30)
    add("failed-then-ok", 502, 20)
    add("failed-then-ok", 200, 19, True)
    add("ok-then-failed", 200, 18)
    add("ok-then-failed", 500, 17, True)
    add("only-failed", 502, 10)
    add("only-failed", 0, 9, True)
    add("failed-once", 504, 2)
    add("stored", 0, 1)  # our receiver stored it, GitHub saw the answer come too late
    add("too-old", 502, 24 * 3 + 2)
    add("hopeless", 502, 8)
    for hours in (7, 6, 5):
        add("hopeless", 500, hours, True)
    for n in range(120):  # more than one page of 100
        add(f"bulk-ok-{n}", 200, 3)
    return ids


@pytest.mark.parametrize("credential", ["pat", "app"])
def test_handler_redelivers_exactly_the_failed_never_delivered_guids(make_sim, key_pair, aws, credential):
    dynamodb, s3 = aws.dynamodb, aws.s3
    sim = make_sim({"acme": 1}, apps={APP_ID: key_pair[1]})
    sim.add_webhook("acme", 123)
    sim.add_webhook("globex", 456)
    sim.set_webhook_access("globex", False)  # the credential may not manage globex's hooks

    def redeliver(attempt_id: int) -> None:  # what WebhookSender.redeliver does: send, record the attempt
        old = sim.webhook_log.get(attempt_id)
        sim.webhook_log.record(old.guid, old.hook_id, old.event, old.action, 200, redelivery=True)

    sim.set_webhook_redeliver(redeliver)
    if credential == "pat":
        hook_id, hooks = "123", '[{"org": "acme", "hook_id": 123}, {"org": "globex", "hook_id": 456}]'
        secret = {"token": TOKEN}
    else:
        hook_id = sim.app_hook_id
        hooks = f'[{{"app": true, "hook_id": {hook_id}}}, {{"org": "globex", "hook_id": 456}}]'
        secret = {"app_id": APP_ID, "installation_id": "9", "private_key": key_pair[0]}
    ids = populate(sim, hook_id)
    table = dynamodb.Table(TABLE)
    DynamoDedupe(table).claim(hook_id, "stored", "events/raw/x.json", 0)
    DynamoDedupe(table).complete(hook_id, "stored", 0)
    environ = {"GHSTATS_BUCKET": "bucket", "GHSTATS_TABLE": TABLE, "GHSTATS_SECRET_NAME": "ghstats/github",
               "GHSTATS_GITHUB_API_URLS": f'["{sim.url}"]', "GHSTATS_WEBHOOK_HOOKS": hooks}
    reads: list[str] = []
    deps = webhook_sweep.build_dependencies(environ, s3=s3, dynamodb=dynamodb,
                                            fetch_secret=lambda name: reads.append(name) or dict(secret))
    sim.reset_records()
    store = StateStore(table)  # and a day for the rollup before the sweep: one pull request's state
    store.update("pull_requests", "7:1", lambda _: {"repository": "acme/x", "created_at": "2024-05-06T10:00:00Z"})
    store.index_days("pull_requests", "7:1", ["2024-05-06"])
    store.mark_dirty("pull_requests", ["2024-05-06"])
    calls: set[str] = set()
    dynamodb.meta.client.meta.events.register("before-call.dynamodb", lambda model, **_: calls.add(f"dynamodb:{model.name}"))

    answer = webhook_sweep.handler({"id": "sweep-1"}, None, deps=deps)
    assert calls == set(WEBHOOK_SWEEP_LEDGER_ACTIONS)  # what the stack grants WebhookSweep, and no more
    assert answer["rollup"] == {"days": 1, "records": 1, "still_dirty": 0}

    posted = [r.path for r in sim.requests if r.method == "POST" and r.path.endswith("/attempts")]
    expected = sorted([ids["only-failed"][-1], ids["failed-once"][0]])
    assert sorted(int(p.split("/")[-2]) for p in posted) == expected
    assert all(p.startswith("/app/hook/" if credential == "app" else "/orgs/acme/hooks/123/") for p in posted)
    swept = "app" if credential == "app" else "acme/123"
    assert answer["status"] == names.PARTIAL and answer["redelivered"] == 2
    assert any("globex/456" in e and "admin:org_hook" in e for e in answer["errors"])
    item = Ledger(table).get_sweep("sweep-1")
    assert item["status"] == names.PARTIAL and sorted(item["redelivered_guids"]) == ["failed-once", "only-failed"]
    assert item["hooks"][swept] == {"listed": 134, "failed_guids": 4, "redelivered": 2, "already_stored": 1,
                                    "gave_up": 1, "errors": []}
    assert item["gave_up_guids"] == ["hopeless"] and item["totals"]["errors"] == 1
    assert reads and all(r == "ghstats/github" for r in reads)

    # The next sweep finds them delivered: nothing is asked twice
    again = webhook_sweep.handler({"id": "sweep-2"}, None, deps=deps)
    assert again["redelivered"] == 0 and again["failed_guids"] == 2  # stored and hopeless remain
    assert [s["sweep_id"] for s in Ledger(table).last_sweeps()] == ["sweep-2", "sweep-1"]
    assert Ledger(table).last_runs() == []  # sweeps are never listed among the runs


def test_handler_with_nothing_to_sweep_succeeds(aws):
    dynamodb, s3 = aws.dynamodb, aws.s3
    environ = {"GHSTATS_BUCKET": "bucket", "GHSTATS_TABLE": TABLE}
    deps = webhook_sweep.build_dependencies(environ, s3=s3, dynamodb=dynamodb, fetch_secret=lambda name: {})
    answer = webhook_sweep.handler({}, None, deps=deps)
    assert answer["status"] == names.SUCCEEDED and answer["hooks"] == 0
    assert Ledger(dynamodb.Table(TABLE)).get_sweep(answer["sweep_id"])["status"] == names.SUCCEEDED


def test_the_hourly_run_rolls_the_changed_days_up_even_when_the_sweep_fails(aws):
    from ghstats.github.auth import MissingToken
    from ghstats.webhooks.store import StateStore

    dynamodb, s3 = aws.dynamodb, aws.s3
    StateStore(dynamodb.Table(TABLE)).count_delivery("2024-05-06", "pull_request", "1", "d-1", False)
    StateStore(dynamodb.Table(TABLE)).mark_dirty(names_webhooks.DELIVERIES, ["2024-05-06"])
    environ = {"GHSTATS_BUCKET": "bucket", "GHSTATS_TABLE": TABLE, "GHSTATS_WEBHOOK_HOOKS": '[{"org": "acme", "hook_id": 1}]'}
    deps = webhook_sweep.build_dependencies(environ, s3=s3, dynamodb=dynamodb)  # no credential: the sweep fails
    with pytest.raises(MissingToken):
        webhook_sweep.handler({"id": "broken"}, None, deps=deps)
    body = s3.get_object(Bucket="bucket", Key=names_webhooks.dataset_key(names_webhooks.DELIVERIES, "2024-05-06"))["Body"]
    assert [json.loads(line)["deliveries"] for line in body.read().decode().splitlines()] == [1]
    assert StateStore(dynamodb.Table(TABLE)).dirty() == []


def test_a_sweep_that_cannot_start_is_recorded_failed(aws):
    from ghstats.github.auth import MissingToken

    dynamodb, s3 = aws.dynamodb, aws.s3
    environ = {"GHSTATS_BUCKET": "bucket", "GHSTATS_TABLE": TABLE, "GHSTATS_WEBHOOK_HOOKS": '[{"org": "acme", "hook_id": 1}]'}
    deps = webhook_sweep.build_dependencies(environ, s3=s3, dynamodb=dynamodb)  # no secret, no GITHUB_TOKEN
    with pytest.raises(MissingToken):
        webhook_sweep.handler({"id": "broken"}, None, deps=deps)
    item = Ledger(dynamodb.Table(TABLE)).get_sweep("broken")
    assert item["status"] == names.FAILED and item["error"].startswith("MissingToken: GITHUB_TOKEN is not set")


def test_secrets_stay_out_of_the_logs(make_sim, key_pair, aws, handler_logs):
    dynamodb, s3 = aws.dynamodb, aws.s3
    sim = make_sim({"acme": 1}, apps={APP_ID: key_pair[1]})
    sim.add_webhook("acme", 123)
    sim.set_webhook_access("acme", False)
    populate(sim, sim.app_hook_id)
    secret = {"app_id": APP_ID, "installation_id": "9", "private_key": key_pair[0]}
    environ = {"GHSTATS_BUCKET": "bucket", "GHSTATS_TABLE": TABLE, "GHSTATS_SECRET_NAME": "s",
               "GHSTATS_GITHUB_API_URLS": f'["{sim.url}"]',
               "GHSTATS_WEBHOOK_HOOKS": '[{"app": true}, {"org": "acme", "hook_id": 123}]'}
    deps = webhook_sweep.build_dependencies(environ, s3=s3, dynamodb=dynamodb, fetch_secret=lambda name: dict(secret))
    answer = webhook_sweep.handler({"id": "s"}, None, deps=deps)
    assert answer["redelivered"] == 3  # without the app's hook_id the "stored" GUID cannot be checked
    logged = handler_logs.getvalue()
    assert "webhook redelivery sweep" in logged and "admin:org_hook" in logged
    assert key_pair[0].splitlines()[1] not in logged and "ghs_" not in logged and "eyJ" not in logged


# -- the pieces the handler builds on ---------------------------------------------------------


def test_rest_post_maps_errors_like_gets(make_sim):
    import requests

    from ghstats.github.auth import StaticTokenProvider
    from ghstats.github.client import GitHubClient
    from ghstats.github.endpoints import Endpoints
    from ghstats.github.errors import GitHubAuthError, GitHubRateLimited

    sim = make_sim({"acme": 1})
    sim.add_webhook("acme", 123)
    failed = sim.webhook_log.record("g", "123", "pull_request", "opened", 502).id
    client = GitHubClient(Endpoints.from_api_url(sim.url), StaticTokenProvider(TOKEN), session=requests.Session())
    assert client.rest_post(f"/orgs/acme/hooks/123/deliveries/{failed}/attempts") == (202, {})
    assert client.rest_requests == 1
    with pytest.raises(GitHubNoAccess) as gone:
        client.rest_post("/orgs/acme/hooks/123/deliveries/999/attempts")
    assert gone.value.failure.status == 404 and gone.value.failure.method == "POST"
    sim.set_webhook_access("acme", False)
    with pytest.raises(GitHubNoAccess) as forbidden:
        client.rest_post(f"/orgs/acme/hooks/123/deliveries/{failed}/attempts")
    assert forbidden.value.status == "forbidden" and forbidden.value.grant == "organization_hooks=write"
    sim.set_budget(TOKEN, remaining=0, reset_in=60, resource="rest")
    with pytest.raises(GitHubRateLimited):
        client.rest_post(f"/orgs/acme/hooks/123/deliveries/{failed}/attempts")
    bad = GitHubClient(Endpoints.from_api_url(sim.url), StaticTokenProvider("ghs_wrong"), session=requests.Session())
    with pytest.raises(GitHubAuthError):
        bad.rest_post(f"/orgs/acme/hooks/123/deliveries/{failed}/attempts")


def test_app_jwts_come_from_the_secret_and_a_pat_has_none(key_pair):
    import jwt as pyjwt

    from ghstats.github.credentials import app_jwt_provider
    from ghstats.github.errors import GitHubAuthError

    provider = app_jwt_provider({"GHSTATS_SECRET_NAME": "s"},
                                fetch=lambda name: {"app_id": APP_ID, "installation_id": "1", "private_key": key_pair[0]})
    token = provider.token()
    assert pyjwt.decode(token, key_pair[1], algorithms=["RS256"])["iss"] == APP_ID
    assert provider.token() == token  # reused while it is young
    assert token not in repr(provider) and key_pair[0] not in repr(provider)
    with pytest.raises(GitHubAuthError, match="no GitHub App credentials") as pat:
        app_jwt_provider({"GHSTATS_SECRET_NAME": "s"}, fetch=lambda name: {"token": TOKEN}).token()
    assert TOKEN not in str(pat.value)
    with pytest.raises(GitHubAuthError, match="GHSTATS_SECRET_NAME"):
        app_jwt_provider({}).token()


def test_ledger_keeps_a_capped_list_of_guids(aws):
    from ghstats.ledger import SWEEP_GUIDS_KEPT

    dynamodb = aws.dynamodb
    ledger = Ledger(dynamodb.Table(TABLE), now=lambda: 1_700_000_000)
    ledger.sweep_started("s1", "2026-05-06T12:00:00Z")
    assert ledger.get_sweep("s1")["status"] == names.RUNNING
    guids = [f"g{n}" for n in range(SWEEP_GUIDS_KEPT + 20)]
    counts = {"acme/1": {"listed": 200, "failed_guids": 120, "redelivered": 120, "already_stored": 0, "gave_up": 0,
                         "errors": ["x"]}, "app": {"listed": 1, "failed_guids": 0, "redelivered": 0,
                                                   "already_stored": 0, "gave_up": 0, "errors": []}}
    ledger.record_sweep("s1", "2026-05-06T12:00:00Z", names.PARTIAL, counts, guids)
    item = ledger.get_sweep("s1")
    assert item["status"] == names.PARTIAL and item["finished_at"]
    assert len(item["redelivered_guids"]) == SWEEP_GUIDS_KEPT and item["redelivered_total"] == len(guids)
    assert item["totals"] == {"listed": 201, "failed_guids": 120, "redelivered": 120, "already_stored": 0,
                              "gave_up": 0, "errors": 1}
    assert item["hooks"] == counts and item["pk"] == "SWEEP#s1" and item["expires_at"] > 1_700_000_000
