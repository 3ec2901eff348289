"""The collectors' diffs of two runs: alerts opened, fixed and dismissed; keys that came, went and
changed; policy rules newly failing."""

from __future__ import annotations

from ghstats.collectors import REGISTRY
from ghstats.collectors.diffs import alert_changes, keyed_changes
from ghstats.run_diff import counts, run_changes


def alert(key, state, severity="high"):
    return {"key": key, "repository": key.split("#")[0], "state": state, "severity": severity}


def test_alerts_opened_fixed_and_dismissed_between_two_runs():
    before = {k: alert(k, s) for k, s in (("a/x#1", "open"), ("a/x#2", "open"), ("a/x#3", "fixed"), ("a/x#4", "open"))}
    after = {k: alert(k, s) for k, s in (("a/x#1", "open"), ("a/x#2", "fixed"), ("a/x#3", "open"), ("a/x#4", "dismissed"),
                                         ("a/x#5", "open"), ("a/x#6", "fixed"))}
    changes = alert_changes(before, after)
    assert [c["key"] for c in changes["opened"]] == ["a/x#3", "a/x#5"]  # reopened, and new and open
    assert [c["key"] for c in changes["fixed"]] == ["a/x#2"]  # a new alert already fixed was never open here
    assert [c["key"] for c in changes["dismissed"]] == ["a/x#4"]


def test_keys_that_came_went_and_changed():
    before = {"o#a": {"role": "member"}, "o#b": {"role": "admin"}, "o#c": {"role": "member"}}
    after = {"o#a": {"role": "admin"}, "o#c": {"role": "member"}, "o#d": {"role": "member"}}
    changes = keyed_changes(before, after, added="joined", removed="left", changed={"role": "role_changed"})
    assert changes == {"joined": [{"key": "o#d"}], "left": [{"key": "o#b"}],
                       "role_changed": [{"key": "o#a", "from": "member", "to": "admin"}]}


def verdict(**rules):
    return {"verdict": {"rules": rules}}


def test_policy_rules_newly_failing_and_passing_and_only_collectors_both_runs_ran():
    before = {"policy": {"a/x": verdict(license="pass", readme="fail", codeowners="unknown")}}
    after = {"repository_policy": {"a/x": verdict(license="fail", readme="pass", codeowners="fail")},
             "teams": {"t": {"permission": "admin"}}}
    changes = run_changes(lambda name: {"repository_policy": before["policy"]}.get(name), after)
    assert list(changes) == ["repository_policy"]  # teams: no earlier records to compare with
    assert changes["repository_policy"] == {"newly_failing": [{"key": "a/x", "rule": "license"}],
                                            "newly_passing": [{"key": "a/x", "rule": "readme"}]}
    assert counts(changes) == {"repository_policy": {"newly_failing": 1, "newly_passing": 1}}


def test_every_collector_but_traffic_has_a_diff():
    assert [name for name, c in REGISTRY.items() if c.diff is None] == ["traffic"]  # its days are kept, not replaced
