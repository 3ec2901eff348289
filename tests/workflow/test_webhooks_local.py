"""`ghstats webhooks serve` / `demo`: the stack's receiver and processor behind a local HTTP server,
moto behind them; deliveries sent over real HTTP by the simulator's sender."""

from __future__ import annotations

import json
import re
from dataclasses import replace

import pytest

from ghstats.webhooks import limits
from ghstats_cli import webhooks as local
from ghstats_cli.main import main
from ghstats_cli.webhooks import LocalWebhooks, dataset_lines, derived_counts, truth_counts
from simulator.webhook_deliveries import DeliveryLog
from simulator.webhook_sender import REDELIVERY, WebhookSender, http_post, scenario
from simulator.webhook_story import compact, story

SECRET = b"whsec-local-tests-not-a-real-secret"
COUNTS = re.compile(r"(\d+) deliveries sent, (\d+) stored once, (\d+) refused, (\d+) duplicates, (\d+) lost")


def test_the_demo_prints_counts_that_match_its_scenario_and_writes_the_datasets(tmp_path, capsys):
    assert main(["webhooks", "demo", "--out", str(tmp_path), "--seed", "7"]) == 0
    printed = capsys.readouterr().out

    told, sends = local.demo_sends(7)
    [counts] = COUNTS.findall(printed)
    sent, stored, refused, duplicates, lost = map(int, counts)
    assert sent == len(sends)
    assert stored == len({s.delivery.guid for s in sends if s.valid}) == len(told.deliveries)
    assert refused == sum(not s.valid for s in sends) == 4  # 2 forged, 1 oversized, 1 unsigned
    assert duplicates == sum(s.kind == REDELIVERY for s in sends)
    assert lost == 0
    assert "every delivery stored once and derived" in printed
    assert "refused: payloads over" in printed and "refused: X-Hub-Signature-256 is missing" in printed
    for title in ("Pull requests per repository and day", "Workflows", "Deployments per environment"):
        assert title in printed

    raw = list((tmp_path / "s3" / "events" / "raw").rglob("*.json"))
    assert len(raw) == stored
    assert derived_counts(tmp_path) == truth_counts(told.truth)
    merged = sum(line["merged"] for line in dataset_lines(tmp_path, "webhooks_pull_requests_daily"))
    assert merged == sum(p.merged for p in told.truth.pull_requests)
    assert sum(line["deliveries"] for line in dataset_lines(tmp_path, "webhooks_deliveries")) == stored


def test_a_poisoned_delivery_ends_in_the_dead_letter_queue_and_everything_else_is_derived(tmp_path):
    told = story(seed=4, pull_requests=5, workflow_runs=2, check_suites=2, deployments=2)
    first = next(d for d in told.deliveries if d.event == "pull_request")
    poisoned_payload = json.loads(first.body)
    del poisoned_payload["pull_request"]["created_at"]
    poisoned = replace(first, guid=first.guid[:-4] + "dead", payload=poisoned_payload, body=compact(poisoned_payload))
    sends = scenario([*told.deliveries, poisoned], seed=4, duplicates=3, shuffle_window=5)
    with LocalWebhooks(tmp_path, SECRET, port=0, rollup_s=0.5, log_level="CRITICAL") as hooks:
        statuses = WebhookSender(SECRET, http_post(hooks.url)).send_all(sends, concurrency=8)
        # the poisoned one too: the receiver cannot tell, it is signed and JSON; a redelivery that
        # comes while its original is being received is answered 409 (nothing lost: the original stores it)
        assert all(status == 202 or (status == 409 and s.kind == REDELIVERY) for s, status in zip(sends, statuses))
        assert hooks.drain(timeout_s=limits.MAX_RECEIVE_COUNT * hooks.retry_s + 10)
        dead = hooks.dead_letters()
        failures = hooks.stats.processing_failures
    assert [m["delivery"] for m in dead] == [poisoned.guid]  # moto's redrive moved it, after the stack's count
    assert failures == limits.MAX_RECEIVE_COUNT
    # the poisoned raw object stays for replay; everything else was derived (datasets copied at shutdown)
    assert (tmp_path / "s3" / dead[0]["key"]).is_file()
    assert derived_counts(tmp_path) == truth_counts(told.truth)
    [line] = [r for r in dataset_lines(tmp_path, "webhooks_pull_requests")
              if r["repository"] == first.payload["repository"]["full_name"] and r["number"] == first.payload["number"]]
    assert line["created_at"] == first.payload["pull_request"]["created_at"]


def test_300_deliveries_at_concurrency_16_none_lost_none_doubled(tmp_path):
    told = story(seed=5, pull_requests=24, workflow_runs=18, check_suites=12, deployments=12)
    sends = scenario(told.deliveries, seed=5, duplicates=300 - len(told.deliveries), shuffle_window=8)
    assert len(sends) == 300
    log = DeliveryLog()
    with LocalWebhooks(tmp_path, SECRET, port=0, rollup_s=2, log_level="ERROR") as hooks:
        # GitHub Enterprise Server's 30 s: on a loaded CI machine moto can take more than 10 s
        statuses = WebhookSender(SECRET, http_post(hooks.url, timeout=30), log).send_all(sends, concurrency=16)
        assert hooks.drain(timeout_s=60)
        raw = hooks.raw_keys()
        marks = hooks.dedupe_marks()
        processed, dead = hooks.stats.processed, hooks.dead_letters()
    # 409: a copy that came while another copy of the delivery was being received; 0: the sender
    # gave up waiting (GitHub would list it as failed): neither may lose or double a delivery
    assert set(statuses) <= {202, 409, 0} and statuses.count(202) >= len(told.deliveries) * 0.9
    guids = {d.guid for d in told.deliveries}
    stored = [key.rsplit("/", 1)[-1].split("-", 1)[1].removesuffix(".json") for key in raw]  # <hook>-<guid>.json
    assert len(stored) == len(set(stored)) and set(stored) == guids  # none lost, none stored twice
    assert {k.split("#")[2] for k in marks} == guids and len(marks) == len(guids)
    assert set(marks.values()) == {"DONE"}
    assert processed == len(guids) and dead == []
    assert derived_counts(tmp_path) == truth_counts(told.truth)
    assert len(log.attempts()) == 300


def test_serve_takes_the_secret_from_a_file_never_prints_it_and_writes_at_ctrl_c(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv(local.ENV_SECRET, raising=False)
    assert main(["webhooks", "serve", "--out", str(tmp_path)]) == 2
    assert local.ENV_SECRET in capsys.readouterr().err

    secret_file = tmp_path / "secret"
    secret_file.write_bytes(SECRET + b"\n")
    told = story(seed=6, pull_requests=2, workflow_runs=1, check_suites=1, deployments=1)
    seen = {}

    def send_then_interrupt(hooks):
        seen["statuses"] = WebhookSender(SECRET, http_post(hooks.url)).send_all(scenario(told.deliveries, seed=6), 4)
        raise KeyboardInterrupt

    monkeypatch.setattr(local, "until_interrupted", send_then_interrupt)
    assert main(["webhooks", "serve", "--port", "0", "--secret-file", str(secret_file), "--out", str(tmp_path / "out"),
                 "--rollup-seconds", "60"]) == 0
    printed = capsys.readouterr()
    assert set(seen["statuses"]) == {202}
    assert SECRET.decode() not in printed.out + printed.err
    assert f"{len(told.deliveries)} deliveries sent, {len(told.deliveries)} stored once" in printed.out
    assert derived_counts(tmp_path / "out") == truth_counts(told.truth)  # the rollup at shutdown


@pytest.mark.parametrize("body", [b'{"action":"opened"}', b"\xff\xfe not utf-8"])
def test_the_http_event_is_api_gateways_v2_shape(body):
    event = local.http_event("POST", "/webhook?x=1", [("X-GitHub-Event", "push"), ("Accept", "a"), ("accept", "b")], body)
    assert event["requestContext"]["http"]["method"] == "POST" and event["rawPath"] == "/webhook"
    assert event["headers"]["x-github-event"] == "push" and event["headers"]["accept"] == "a,b"
    from handlers.webhook_receiver import request_of

    assert request_of(event).body == body
