"""Receive → queue → process → roll up, against moto: the simulator's story in any order, twice,
gives the datasets its truth says; a poisoned delivery fails alone."""

from __future__ import annotations

import json
import random
from collections import Counter
from datetime import datetime, timedelta

from ghstats.webhooks import names
from ghstats.webhooks.columns import DATASET_COLUMNS
from ghstats.webhooks.rollup import roll_up
from ghstats.webhooks.store import StateStore
from ghstats.webhooks.totals import period_days, read_period
from handlers.webhook_processor import ProcessorDependencies, handler, process_records
from ghstats_cli.local_aws import LambdaContext
from simulator.webhook_story import story
from tests.unit.webhooks.helpers import deliver_to_moto as deliver, sqs_records

ATHENA_TYPES = {"string": str, "bigint": int, "double": (int, float), "boolean": bool, "array<string>": list}


def lines(objects, key):
    text = objects.get_text(key)
    return [json.loads(line) for line in (text or "").splitlines()]


def seconds(start: datetime | None, end: datetime | None):
    return None if start is None or end is None else int((end - start).total_seconds())


def day(moment: datetime | None):
    return moment.strftime("%Y-%m-%d") if moment else None


def test_a_story_in_any_order_twice_gives_its_truth(aws):
    objects, table = aws.objects, aws.table
    told = story(seed=11, pull_requests=14, workflow_runs=8, check_suites=6, deployments=8)
    queue: list[dict] = []
    for delivery in told.deliveries:
        assert deliver(objects, table, delivery, queue).status == 202
    messages = queue * 2  # SQS delivers at least once
    random.Random(5).shuffle(messages)  # and in no particular order
    deps = ProcessorDependencies(read_raw=objects.get_json, store=StateStore(table))
    failed, counts = process_records(sqs_records(messages), deps)
    assert failed == [] and counts == {"derived": len(messages)}
    result = roll_up(deps.store, objects)
    assert result.still_dirty == [] and deps.store.dirty() == []

    truth = told.truth
    for pr in truth.pull_requests:
        [line] = [r for r in lines(objects, names.dataset_key("pull_requests", day(pr.created_at)))
                  if r["repository"] == pr.repo and r["number"] == pr.number]
        assert line["time_to_merge_s"] == seconds(pr.created_at, pr.merged_at)
        assert line["first_review_at"] == (pr.first_review_at.strftime("%Y-%m-%dT%H:%M:%SZ") if pr.first_review_at else None)
        assert line["size"] == pr.additions + pr.deletions and line["changed_files"] == pr.changed_files
        assert line["state"] == ("merged" if pr.merged else pr.state)
    pr_days = {day(p.created_at) for p in truth.pull_requests} | {day(p.merged_at) for p in truth.pull_requests if p.merged}
    for d in pr_days:
        daily = {r["repository"]: r for r in lines(objects, names.dataset_key("pull_requests", d, daily=True))}
        opened = Counter(p.repo for p in truth.pull_requests if day(p.created_at) == d)
        merged = Counter(p.repo for p in truth.pull_requests if day(p.merged_at) == d)
        assert {repo: r["opened"] for repo, r in daily.items() if r["opened"]} == dict(opened)
        assert {repo: r["merged"] for repo, r in daily.items() if r["merged"]} == dict(merged)

    for job in truth.jobs:
        [line] = [r for r in lines(objects, names.dataset_key("workflow_jobs", day(job.created_at))) if r["job_id"] == job.id]
        assert (line["status"], line["conclusion"]) == ("completed", job.conclusion)
        assert (line["queue_s"], line["run_s"]) == (seconds(job.created_at, job.started_at), seconds(job.started_at, job.completed_at))
        assert line["labels"] == job.labels
    for d in {day(j.completed_at) for j in truth.jobs}:
        for r in lines(objects, names.dataset_key("workflow_jobs", d, daily=True)):
            done = [j for j in truth.jobs if day(j.completed_at) == d and j.repo == r["repository"]
                    and j.workflow_name == r["workflow_name"]]
            assert r["jobs"] == len(done) and r["failed"] == sum(j.conclusion == "failure" for j in done)
            assert r["p95_run_s"] == max(seconds(j.started_at, j.completed_at) for j in done)  # n < 20: the maximum
            runs = {j.run_id for j in done}
            assert r["runs"] == len(runs)
            assert r["failed_runs"] == len({j.run_id for j in done if j.conclusion == "failure"})
            assert r["p95_run_duration_s"] == max(
                seconds(min(j.started_at for j in done if j.run_id == run), max(j.completed_at for j in done if j.run_id == run))
                for run in runs)

    for suite in truth.check_suites:
        [line] = [r for r in lines(objects, names.dataset_key("check_suites", day(suite.created_at)))
                  if r["check_suite_id"] == suite.id]
        assert (line["conclusion"], line["duration_s"]) == (suite.conclusion, seconds(suite.created_at, suite.completed_at))

    for deployment in truth.deployments:
        [line] = [r for r in lines(objects, names.dataset_key("deployments", day(deployment.created_at)))
                  if r["deployment_id"] == deployment.id]
        assert line["final_state"] == deployment.state and line["failed"] == (deployment.state in ("failure", "error"))
        pull = truth.pull_request(deployment.repo, deployment.pull_number) if deployment.pull_number else None
        assert line["lead_time_s"] == (seconds(pull.merged_at, deployment.first_success_at) if pull else None)

    received = Counter((day(d.at), d.event) for d in told.deliveries)
    for d in {day for day, _ in received}:
        counted = {r["event"]: r["deliveries"] for r in lines(objects, names.dataset_key("deliveries", d))}
        assert counted == {event: n for (on, event), n in received.items() if on == d}

    # a rollup that runs again rewrites nothing new; the run's period totals read the daily datasets
    days = sorted({day(d.at) for d in told.deliveries})
    before = {k: objects.get_text(k) for k in objects.list_keys("datasets/")}
    for family, d in result.days:
        deps.store.mark_dirty(family, [d])
    roll_up(deps.store, objects)
    assert {k: objects.get_text(k) for k in objects.list_keys("datasets/")} == before
    after_last = (datetime.fromisoformat(days[-1]) + timedelta(days=1)).strftime("%Y-%m-%dT06:00:00Z")
    period = period_days(days[0] + "T06:00:00Z", after_last)
    assert period == days or set(days) <= set(period)
    totals = read_period(objects, period).totals()
    assert totals["deliveries"] == len(told.deliveries)
    assert totals["pull_requests"]["merged"] == sum(p.merged for p in truth.pull_requests)
    assert totals["deployments"]["failed"] == sum(d.state in ("failure", "error") for d in truth.deployments)

    # every line has the fields, and the types, its Athena table declares
    checked = set()
    for key in objects.list_keys("datasets/"):
        dataset = key.split("/")[1]
        declared = DATASET_COLUMNS[dataset]
        for line in lines(objects, key):
            assert set(line) == set(declared), key
            for name, value in line.items():
                assert value is None or isinstance(value, ATHENA_TYPES[declared[name]]), (key, name, value)
            checked.add(dataset)
    assert checked == set(DATASET_COLUMNS)


def test_a_poisoned_delivery_fails_alone_and_unknown_events_are_counted_not_derived(aws):
    objects, table = aws.objects, aws.table
    told = story(seed=2, pull_requests=3, workflow_runs=1, check_suites=1, deployments=1)
    queue: list[dict] = []
    good = told.deliveries[:6]
    for delivery in good:
        deliver(objects, table, delivery, queue)
    first = told.deliveries[0]
    poisoned = json.loads(first.body)
    poisoned.setdefault("pull_request", {}).pop("created_at", None)
    poisoned.setdefault("workflow_job", {}).pop("created_at", None)
    poisoned.setdefault("check_suite", {}).pop("created_at", None)
    poisoned.setdefault("deployment", {}).pop("created_at", None)
    bad = type(first)(first.guid[:-4] + "beef", first.hook_id, first.event, first.action, poisoned,
                      json.dumps(poisoned).encode(), first.at)
    deliver(objects, table, bad, queue)
    unknown = type(first)(first.guid[:-4] + "cafe", first.hook_id, "star", "created", {"action": "created"},
                          b'{"action":"created"}', first.at)
    deliver(objects, table, unknown, queue)
    deps = ProcessorDependencies(read_raw=objects.get_json, store=StateStore(table))
    answer = handler({"Records": sqs_records(queue)}, LambdaContext("WebhookProcessor"), deps=deps)
    assert answer == {"batchItemFailures": [{"itemIdentifier": f"m-{len(good)}"}]}
    roll_up(deps.store, objects)
    counted = {r["event"]: r for r in lines(objects, names.dataset_key("deliveries", day(first.at)))}
    assert counted["star"]["unknown"] is True and counted["star"]["deliveries"] == 1
    assert not any(k.startswith("datasets/webhooks_star") for k in objects.list_keys("datasets/"))
    # the poisoned delivery is stored raw for replay, counted as received, and nothing derived from it
    assert objects.get_json(queue[len(good)]["key"])["payload"] == poisoned


class DynamoCalls:
    """The IAM actions of the DynamoDB calls made through a table, by the phase they were made in."""

    def __init__(self, table):
        self.phase = "processor"
        self.actions: dict[str, set[str]] = {}
        table.meta.client.meta.events.register("before-call.dynamodb", self._record)

    def _record(self, model, **_):
        self.actions.setdefault(self.phase, set()).add(f"dynamodb:{model.name}")


def test_a_merge_told_after_its_deployment_was_rolled_up_still_gives_the_lead_time(aws):
    from cdk_app.constants import WEBHOOK_PROCESSOR_LEDGER_ACTIONS, WEBHOOK_SWEEP_LEDGER_ACTIONS

    objects, table = aws.objects, aws.table
    told = story(seed=4, pull_requests=4, workflow_runs=0, check_suites=0, deployments=1)
    [deployed] = told.truth.deployments
    assert deployed.pull_number is not None  # the story's first deployment ships a merged pull request
    pull = told.truth.pull_request(deployed.repo, deployed.pull_number)
    queue: list[dict] = []
    for delivery in told.deliveries:
        deliver(objects, table, delivery, queue)
    deployment_first = sorted(queue, key=lambda m: not m["event"].startswith("deployment"))
    n = sum(m["event"].startswith("deployment") for m in queue)
    deps = ProcessorDependencies(read_raw=objects.get_json, store=StateStore(table))
    calls = DynamoCalls(table)
    assert process_records(sqs_records(deployment_first[:n]), deps)[0] == []
    calls.phase = "rollup"
    roll_up(deps.store, objects)
    key = names.dataset_key("deployments", day(deployed.created_at))
    assert [line["lead_time_s"] for line in lines(objects, key)] == [None]  # no merge told yet

    calls.phase = "processor"
    assert process_records(sqs_records(deployment_first[n:]), deps)[0] == []
    calls.phase = "rollup"
    roll_up(deps.store, objects)
    assert [line["lead_time_s"] for line in lines(objects, key)] == [seconds(pull.merged_at, deployed.first_success_at)]
    # the calls each function makes are the ones the stack grants it (the rollup runs in WebhookSweep)
    assert calls.actions["processor"] == set(WEBHOOK_PROCESSOR_LEDGER_ACTIONS)
    assert calls.actions["rollup"] <= set(WEBHOOK_SWEEP_LEDGER_ACTIONS)
    assert "dynamodb:Query" in calls.actions["processor"]


class CrashOnce(StateStore):
    """A store whose first mark_dirty of `family` raises (a crash), or marks and then runs
    `meanwhile` (what other processors and a rollup did right then)."""

    def __init__(self, table, family, meanwhile=None):
        super().__init__(table)
        self.family, self.meanwhile, self.done = family, meanwhile, False

    def mark_dirty(self, family, days):
        if family != self.family or self.done:
            return super().mark_dirty(family, days)
        self.done = True
        if self.meanwhile is None:
            raise OSError("the processor's Lambda timed out here")
        super().mark_dirty(family, days)
        self.meanwhile()


def pull_request_days(*steps):
    """Deliveries of one pull request: (action, day, state, closed_at day) per step."""
    import dataclasses

    from simulator import webhook_payloads as wp
    from simulator.webhook_story import Delivery, compact

    org = wp.Actor("acme", 1, "Organization")
    author = wp.Actor("ann", 2)
    repo = wp.Repo(77, "widgets", org)
    created = datetime.fromisoformat("2024-05-01T10:00:00+00:00")
    pr = wp.PullRequest(900, 5, repo, author, "Add it", created, created, "feature", "a" * 40)
    found = []
    for n, (action, on, state, closed_on) in enumerate(steps):
        at = datetime.fromisoformat(f"{on}T10:00:00+00:00")
        closed = datetime.fromisoformat(f"{closed_on}T10:00:00+00:00") if closed_on else None
        payload = wp.pull_request(action, dataclasses.replace(pr, updated_at=at, state=state, closed_at=closed), author)
        found.append(Delivery(f"00000000-0000-4000-8000-{n:012d}", "123", "pull_request", action, payload,
                              compact(payload), at))
    return found


def test_a_retry_after_a_crash_between_the_state_and_the_marks_rewrites_every_day(aws):
    objects, table = aws.objects, aws.table
    opened, closed, reopened = pull_request_days(("opened", "2024-05-01", "open", None),
                                                 ("closed", "2024-05-02", "closed", "2024-05-02"),
                                                 ("reopened", "2024-05-03", "open", None))
    queue: list[dict] = []
    for delivery in (opened, closed, reopened):
        deliver(objects, table, delivery, queue)
    store = StateStore(table)
    assert process_records(sqs_records(queue[:2]), ProcessorDependencies(objects.get_json, store))[0] == []
    roll_up(store, objects)
    closed_daily = names.dataset_key("pull_requests", "2024-05-02", daily=True)
    assert [r["closed_unmerged"] for r in lines(objects, closed_daily)] == [1]

    crashing = ProcessorDependencies(objects.get_json, CrashOnce(table, "pull_requests"))
    assert process_records(sqs_records(queue[2:]), crashing)[0] == ["m-0"]  # the state is written, no mark
    assert process_records(sqs_records(queue[2:]), ProcessorDependencies(objects.get_json, store))[0] == []  # retried
    roll_up(store, objects)
    assert [r["closed_unmerged"] for r in lines(objects, closed_daily)] == [0]  # reopened: no longer closed that day


def test_a_merge_processed_while_its_deployment_is_being_processed_still_gives_the_lead_time(aws):
    objects, table = aws.objects, aws.table
    told = story(seed=4, pull_requests=4, workflow_runs=0, check_suites=0, deployments=1)
    [deployed] = told.truth.deployments
    pull = told.truth.pull_request(deployed.repo, deployed.pull_number)
    queue: list[dict] = []
    for delivery in told.deliveries:
        deliver(objects, table, delivery, queue)
    others = [m for m in queue if not m["event"].startswith("deployment")]
    store = StateStore(table)

    # the only delivery of the deployment that came: its successful status (it names the deployment)
    success = [m for m, d in zip(queue, told.deliveries) if d.event == "deployment_status"
               and d.payload["deployment_status"]["state"] == "success"]

    def roll_up_then_merge_meanwhile():  # right after the deployment's days were marked
        roll_up(store, objects)
        assert process_records(sqs_records(others), ProcessorDependencies(objects.get_json, store))[0] == []

    racing = ProcessorDependencies(objects.get_json, CrashOnce(table, "deployments", roll_up_then_merge_meanwhile))
    assert process_records(sqs_records(success), racing)[0] == []
    roll_up(store, objects)
    [line] = lines(objects, names.dataset_key("deployments", day(deployed.created_at)))
    assert line["lead_time_s"] == seconds(pull.merged_at, deployed.first_success_at)


def test_a_mark_made_anew_after_a_concurrent_rollup_cleared_it_survives_the_stale_rollup(aws):
    table = aws.table
    store = StateStore(table)
    store.mark_dirty("deliveries", ["2024-05-06"])
    [(family, on, seen)] = store.dirty()  # rollup A reads the marks
    assert store.clear_dirty(family, on, seen)  # rollup B rolls the day up and clears it
    store.mark_dirty("deliveries", ["2024-05-06"])  # a delivery of that day comes in
    assert not store.clear_dirty(family, on, seen)  # rollup A, done with older state, may not clear it
    assert [mark[:2] for mark in store.dirty()] == [("deliveries", "2024-05-06")]
