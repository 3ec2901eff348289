"""reserve_points / reserve_requests: a run leaves part of the credential's hour to other tools,
waiting for the reset (the workflow's Wait loop) instead of spending it."""

import time

from tests.workflow.helpers import assert_every_repo_once, only_collectors, org_keys, outputs


class FakeClock:
    """GitHub's clock: real time, moved on by as long as each of the workflow's (instant) Waits."""

    def __init__(self) -> None:
        self.offset = 0.0

    def __call__(self) -> float:
        return time.time() + self.offset


def waits_moving(clock: FakeClock, before) -> list:
    """The engine's Wait states: `before()` (what to note of the window ending), then the wait is
    recorded and GitHub's clock moves on by it."""

    class Waits(list):
        def append(self, seconds):
            before()
            super().append(seconds)
            clock.offset += seconds

    return Waits()


def test_the_run_never_spends_the_reserved_points_and_waits_for_the_reset(make_sim, local_aws, engine_delays):
    # Given a credential with 40 points an hour, of which the run must leave 35
    clock = FakeClock()
    sim = make_sim({"acme": 60}, clock=clock, graphql_points_per_hour=40)
    windows: list[dict] = []

    def note_window():  # what the window spent and what the ledger says, then the hour passes
        spent = sum(r.cost for r in sim.requests if r.kind == "graphql") - sum(w["spent"] for w in windows)
        windows.append({"spent": spent, "waiting_for": local_aws.ledger().get_run("reserved").get("waiting_for")})

    engine_delays.waits = waits_moving(clock, note_window)
    # When 60 repositories are collected in batches of 20 (2 points each), one at a time
    outcome = local_aws.run({"orgs": ["acme"], "batch_size": 20, "max_concurrency": 1, "reserve_points": 35,
                             "collectors": only_collectors("repository_stats"), "api_url": sim.url, "run_id": "reserved"})
    # Then it completes, every repository once
    assert outcome.status == "SUCCEEDED", outcome.cause
    assert_every_repo_once(outcome_out := outputs(local_aws, "reserved"), org_keys(sim, "acme"))
    # and no window of the hour gave the run more than the 5 points the reserve leaves
    last = sum(r.cost for r in sim.requests if r.kind == "graphql") - sum(w["spent"] for w in windows)
    # token check + counting query + page + batch; then two batches
    assert [w["spent"] for w in windows] + [last] == [5, 4]
    # it waited until GitHub's reset (not GitHub's answer: no request was refused), and said why
    assert all(r.status == 200 for r in sim.requests)
    assert len(engine_delays.waits) == 1 and 3_500 < engine_delays.waits[0] <= 3_601
    assert windows[0]["waiting_for"] == "batch 0000-00001: keeping 35 points for other tools (reserve_points)"
    assert outcome_out["summary"]["config"]["reserve_points"] == 35


def test_rest_work_keeps_the_reserved_requests(make_sim, local_aws, engine_delays):
    # Given 8 REST requests an hour, 5 of them reserved, and traffic to read (4 lists per repository)
    clock = FakeClock()
    sim = make_sim({"acme": 3}, clock=clock, rest_requests_per_hour=8)
    spent_per_window: list[int] = []

    def note_window():
        rest = [r for r in sim.requests if r.kind == "rest" and not r.path.startswith("/rate_limit")]
        spent_per_window.append(len(rest) - sum(spent_per_window))

    engine_delays.waits = waits_moving(clock, note_window)
    outcome = local_aws.run({"orgs": ["acme"], "reserve_requests": 5, "collectors": only_collectors("traffic"),
                             "api_url": sim.url})
    assert outcome.status == "SUCCEEDED", outcome.cause
    rest = [r for r in sim.requests if r.kind == "rest" and not r.path.startswith("/rate_limit")]
    spent_per_window.append(len(rest) - sum(spent_per_window))
    # 12 requests, no window giving the run more than the 3 the reserve leaves: 4 windows
    assert spent_per_window == [3, 3, 3, 3]
    assert all(r.status == 200 for r in sim.requests)


def test_batches_at_once_count_each_others_points_before_github_answers(make_sim, local_aws, engine_delays):
    # Given 40 points an hour, 30 of them reserved, and 4 batches of 2 points that may all be in flight at once
    clock = FakeClock()
    sim = make_sim({"acme": 80}, clock=clock, graphql_points_per_hour=40)
    windows: list[int] = []

    engine_delays.waits = waits_moving(
        clock, lambda: windows.append(sum(r.cost for r in sim.requests if r.kind == "graphql") - sum(windows)))
    outcome = local_aws.run({"orgs": ["acme"], "batch_size": 20, "max_concurrency": 4, "reserve_points": 30,
                             "collectors": only_collectors("repository_stats"), "api_url": sim.url, "run_id": "four"})
    assert outcome.status == "SUCCEEDED", outcome.cause
    assert_every_repo_once(outputs(local_aws, "four"), org_keys(sim, "acme"))
    windows.append(sum(r.cost for r in sim.requests if r.kind == "graphql") - sum(windows))
    # Then no window of the hour gave the run more than the 10 points the reserve leaves, though
    # each batch's client saw only what GitHub said before the others were sent
    assert max(windows) <= 10 and sum(windows) == 3 + 4 * 2, windows
    assert all(r.status == 200 for r in sim.requests)
