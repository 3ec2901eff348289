"""members, outside_collaborators and teams through the real workflow: every record of the run's
scope once, every field the simulator's truth, coverage instead of failure where the credential
may not see something, a walk resumed at its page, and what changed since the previous run."""

from __future__ import annotations

import dataclasses

import pytest

from ghstats import names
from simulator import truth
from tests.workflow.helpers import only_collectors

ACCESS = ("members", "outside_collaborators", "teams")
ONLY = only_collectors("repository_stats", *ACCESS)


def output(aws, run_id, collector):
    return aws.get_json(names.collector_output_key(run_id, collector))["records"]


def summary_of(aws, run_id, collector):
    return aws.get_json(names.summary_key(run_id))["collectors"][collector]


def in_scope(sim, org, excluded=()):
    return {r.name_with_owner for r in sim.dataset.repos(org) if r.name_with_owner not in excluded}


def expected_members(sim, org, two_factor_known=True):
    found = truth.members(sim, [org], in_scope(sim, org))
    return found if two_factor_known else {k: {**r, "two_factor_disabled": None} for k, r in found.items()}


def expected_collaborators(sim, org, excluded=()):
    return truth.outside_collaborators(sim, [org], in_scope(sim, org, excluded))


def expected_teams(sim, org, excluded=()):
    return truth.teams(sim, [org], in_scope(sim, org, excluded))


def assert_records(records, expected):
    assert set(records) == set(expected)
    for key, fields in expected.items():
        assert {f: records[key][f] for f in fields} == fields, key
        assert records[key]["key"] == key and records[key]["schema_version"] == 1


def test_every_access_record_of_the_runs_scope_once_with_every_field_true(make_sim, local_aws):
    # Given two orgs, one repository excluded
    sim = make_sim({"acme": 120, "globex": 30})
    excluded = sim.dataset.repos("acme")[0].name_with_owner
    outcome = local_aws.run({"orgs": [{"name": "acme", "exclude": [excluded]}, "globex"], "api_url": sim.url,
                             "collectors": ONLY})
    assert outcome.status == "SUCCEEDED" and outcome.output["status"] == "SUCCEEDED", outcome.cause
    # Then each collector has every record of the truth once, the excluded repository's none
    assert_records(output(local_aws, outcome.run_id, "members"),
                   {**expected_members(sim, "acme"), **expected_members(sim, "globex")})
    collaborators = {**expected_collaborators(sim, "acme", [excluded]), **expected_collaborators(sim, "globex")}
    assert_records(output(local_aws, outcome.run_id, "outside_collaborators"), collaborators)
    teams = {**expected_teams(sim, "acme", [excluded]), **expected_teams(sim, "globex")}
    assert_records(output(local_aws, outcome.run_id, "teams"), teams)
    assert any(t["parent"] for t in teams.values() if t["kind"] == "team")  # nested teams are in the data
    # and GitHub was asked once per list page: 3 member lists, 1 outside list + 1 per repository in
    # scope, 1 team list + 3 per team (every list fits one page here)
    repos = len(in_scope(sim, "acme", [excluded])) + len(in_scope(sim, "globex"))
    team_count = len(sim.access("acme").teams) + len(sim.access("globex").teams)
    assert sim.count(kind="rest") == 2 * 3 + 2 + repos + 2 + 3 * team_count
    assert not any(excluded in r.path for r in sim.requests)
    # and the summaries answer an auditor's first questions, from the same truth
    members = summary_of(local_aws, outcome.run_id, "members")
    everyone = {**expected_members(sim, "acme"), **expected_members(sim, "globex")}
    assert members["without_2fa"] == sorted((k for k, m in everyone.items() if m["two_factor_disabled"]), key=str.lower)
    assert members["without_2fa"] and members["admins"] == sum(m["role"] == "admin" for m in everyone.values())
    outside = summary_of(local_aws, outcome.run_id, "outside_collaborators")
    assert {(e["repository"], e["login"]) for e in outside["outside_with_write_or_admin"]} == {
        (c["repository"], c["login"]) for c in collaborators.values()
        if c["kind"] == "repository_collaborator" and c["outside"] and c["permission"] in ("write", "maintain", "admin")}
    team_admin = {t["repository"] for t in teams.values() if t["kind"] == "team_repository" and t["permission"] == "admin"}
    admins = {}
    for c in collaborators.values():
        if c["kind"] == "repository_collaborator" and c["permission"] == "admin":
            admins.setdefault(c["repository"], []).append(c["login"])
    single = {repo: logins[0] for repo, logins in admins.items() if len(logins) == 1 and repo not in team_admin}
    assert single and {e["repository"]: e["admin"] for e in outside["single_user_admin_repositories"]} == single
    team_summary = summary_of(local_aws, outcome.run_id, "teams")
    assert team_summary["teams_without_maintainer"] == sorted(
        (k for k, t in teams.items() if t["kind"] == "team" and not t["maintainers"]), key=str.lower)
    writable = {t["repository"] for t in teams.values() if t["kind"] == "team_repository"
                and t["permission"] in ("write", "maintain", "admin")}
    scope = in_scope(sim, "acme", [excluded]) | in_scope(sim, "globex")
    assert set(team_summary["repositories_no_team_can_write"]) == scope - writable
    assert all(s["since_previous_run"] is None for s in (members, outside, team_summary))
    coverage = local_aws.get_json(names.coverage_key(outcome.run_id))["entries"]
    assert {(e["collector"], e["org"], e["status"]) for e in coverage} == {
        (c, o, "ok") for c in ACCESS for o in ("acme", "globex")} and len(coverage) == 6


def test_a_credential_that_is_no_owner_gets_members_without_their_2fa_and_coverage_saying_so(make_sim, local_aws):
    sim = make_sim({"acme": 30, "globex": 20})
    sim.set_org_owner("acme", False)
    outcome = local_aws.run({"orgs": ["acme", "globex"], "api_url": sim.url,
                             "collectors": only_collectors("repository_stats", "members")})
    # Then the run ends PARTIAL: acme's members are there with 2FA unknown (None), globex's known
    assert outcome.status == "SUCCEEDED" and outcome.output["status"] == "PARTIAL", outcome.cause
    assert_records(output(local_aws, outcome.run_id, "members"),
                   {**expected_members(sim, "acme", two_factor_known=False), **expected_members(sim, "globex")})
    notes = [e for e in local_aws.get_json(names.coverage_key(outcome.run_id))["entries"] if e["status"] != "ok"]
    assert notes == [{"org": "acme", "collector": "members", "status": "forbidden", "list": "two_factor_disabled",
                      "message": "Only owners can use this filter.",
                      "grant": "the organisation's owner role (a token of an org owner)"}]
    summary = summary_of(local_aws, outcome.run_id, "members")
    assert summary["two_factor_unknown_orgs"] == ["acme"] and summary["orgs"]["acme"]["without_2fa"] is None
    assert summary["coverage"] == {"ok": 2, "forbidden": 1}


def test_without_members_read_or_push_access_the_rest_is_collected_and_coverage_says_what_to_grant(
        make_sim, local_aws, engine_delays):
    # Given a token without Members read in acme, and without push access to one globex repository
    sim = make_sim({"acme": 30, "globex": 20})
    sim.set_members_readable("acme", False)
    no_push = sim.dataset.repos("globex")[3].name_with_owner
    sim.set_push_access(no_push, False)
    outcome = local_aws.run({"orgs": ["acme", "globex"], "api_url": sim.url, "collectors": ONLY})
    assert outcome.status == "SUCCEEDED" and outcome.output["status"] == "PARTIAL", outcome.cause
    coverage = local_aws.get_json(names.coverage_key(outcome.run_id))["entries"]
    refused = [e for e in coverage if e["status"] != "ok"]
    assert {(e["collector"], e["org"], e.get("repo")) for e in refused} == {
        (c, "acme", None) for c in ACCESS} | {("outside_collaborators", "globex", no_push)}
    assert all(e["grant"] == "members=read" for e in refused if e["org"] == "acme")
    [repo_note] = [e for e in refused if e.get("repo")]
    assert repo_note["message"] == "Must have push access to view repository collaborators."
    # and nothing was retried; globex is complete but for that repository's collaborators
    assert engine_delays.retries == []
    assert_records(output(local_aws, outcome.run_id, "members"), expected_members(sim, "globex"))
    assert_records(output(local_aws, outcome.run_id, "teams"), expected_teams(sim, "globex"))
    assert_records(output(local_aws, outcome.run_id, "outside_collaborators"),
                   {k: c for k, c in expected_collaborators(sim, "globex").items() if c.get("repository") != no_push})
    outside = summary_of(local_aws, outcome.run_id, "outside_collaborators")
    assert outside["repositories_unread"] == [no_push.lower()]
    assert no_push not in {e["repository"] for e in outside["single_user_admin_repositories"]}
    assert outside["single_user_admin_unknown_orgs"] == []  # acme: neither collector read it, so it is not asked


@pytest.mark.parametrize("fault", ["secondary_403", "primary_rest"])
def test_a_rate_limited_page_is_waited_for_and_the_walk_goes_on_from_it(make_sim, local_aws, engine_delays, fault):
    from simulator import Fault

    # Given the 5th REST request of the teams walk (a team's list, after the team list) rate limited
    sim = make_sim({"acme": 60})
    sim.add_fault(Fault(fault, on_request=5, retry_after=45, api="rest"))
    outcome = local_aws.run({"orgs": ["acme"], "api_url": sim.url,
                             "collectors": only_collectors("repository_stats", "teams")})
    assert outcome.status == "SUCCEEDED" and outcome.output["status"] == "SUCCEEDED", outcome.cause
    assert len(engine_delays.waits) == 1 and engine_delays.waits[0] >= (45 if fault == "secondary_403" else 1)
    # Then the limited page was asked once more and no other again, and every record is there once
    lists = 1 + 3 * len(sim.access("acme").teams)
    assert sim.count(kind="rest") == lists + 1
    assert_records(output(local_aws, outcome.run_id, "teams"), expected_teams(sim, "acme"))
    assert local_aws.get_json(names.summary_key(outcome.run_id))["api"]["rest_requests"] == lists + 1


def test_lists_longer_than_a_page_are_followed_by_their_link(make_sim, local_aws):
    # 420 repositories: 140 people, so the member list takes two pages of 100
    sim = make_sim({"acme": 420})
    outcome = local_aws.run({"orgs": ["acme"], "api_url": sim.url,
                             "collectors": only_collectors("repository_stats", "members")})
    assert outcome.status == "SUCCEEDED", outcome.cause
    assert len(sim.access("acme").members) > 100
    assert_records(output(local_aws, outcome.run_id, "members"), expected_members(sim, "acme"))
    assert sum(r.path == "/orgs/acme/members" for r in sim.requests) == 1 + 2 + 1


def test_the_summary_says_who_joined_left_and_whose_permission_changed_since_the_previous_run(make_sim, local_aws):
    sim = make_sim({"acme": 60})
    config = {"orgs": ["acme"], "api_url": sim.url, "collectors": ONLY}
    first = local_aws.run(config, name="first")
    assert first.status == "SUCCEEDED", first.cause
    for collector in ACCESS:  # the first run is the previous one (dated earlier: both ran this second)
        local_aws.dependencies().store.put_json(names.latest_collector_run_key(collector),
                                                {"run_id": first.run_id, "started_at": "2025-01-01T00:00:00Z"})
    # When a member leaves, a guest joins, a member becomes an owner and a team's permission changes
    access = sim.access("acme")
    gone, promoted = access.members[0], access.members[1]
    team = next(t for t in access.teams if t.repositories)
    (repo_id, permission), *rest = team.repositories
    changed = "admin" if permission != "admin" else "read"
    guest = dataclasses.replace(access.outside[0], login="acme-guest-new", id=999)
    repo = next(r for r in sim.dataset.repos("acme") if r.database_id == repo_id)
    name_of = {r.database_id: r.name_with_owner for r in sim.dataset.repos("acme")}
    gone_from = sorted((f"{name_of[i]}#{gone.login}" for i, granted in access.collaborators.items()
                        if gone.login in dict(granted)), key=str.lower)
    collaborators = {i: tuple((login, p) for login, p in granted if login != gone.login)
                     for i, granted in access.collaborators.items()}
    collaborators[repo_id] += ((guest.login, "write"),)

    def after(t):  # the member who left is in no team; one team's permission on one repository changed
        t = dataclasses.replace(t, members=tuple(m for m in t.members if m != gone.login),
                                maintainers=tuple(m for m in t.maintainers if m != gone.login))
        return dataclasses.replace(t, repositories=((repo_id, changed), *rest)) if t.slug == team.slug else t

    sim.change_access("acme", owners=(*access.owners, promoted),
                      members=tuple(m for m in access.members if m not in (gone, promoted)),
                      outside=(*access.outside, guest), collaborators=collaborators,
                      teams=tuple(after(t) for t in access.teams))
    second = local_aws.run(config, name="second")
    assert second.status == "SUCCEEDED", second.cause
    # Then each collector's summary says exactly what changed
    members = summary_of(local_aws, second.run_id, "members")["since_previous_run"]
    assert members["previous_run_id"] == first.run_id and members["orgs"] == ["acme"]
    assert members["member"] == {"joined": [], "left": [f"acme#{gone.login}"],
                                 "changed": [{"key": f"acme#{promoted.login}", "from": "member", "to": "admin"}]}
    outside = summary_of(local_aws, second.run_id, "outside_collaborators")["since_previous_run"]
    assert outside["outside_collaborator"] == {"joined": ["acme#acme-guest-new"], "left": [], "changed": []}
    assert outside["repository_collaborator"] == {"joined": [f"{repo.name_with_owner}#acme-guest-new"],
                                                  "left": gone_from, "changed": []}
    teams = summary_of(local_aws, second.run_id, "teams")["since_previous_run"]
    assert teams["team"] == {"joined": [], "left": [], "changed": []}
    assert teams["team_repository"] == {"joined": [], "left": [], "changed": [
        {"key": f"{repo.name_with_owner}#{team.slug}", "from": permission, "to": changed}]}
