"""The access endpoints: GitHub's shapes, every person and team once across link-header pages,
the 403 without Members read, the owners-only 422 of filter=2fa_disabled, push access for
collaborators, faults on these paths too."""

from __future__ import annotations

import pytest

from simulator import Fault, GitHubSimulator
from tests.unit.simulator.conftest import TOKEN, rest


@pytest.fixture
def sim():
    with GitHubSimulator(orgs={"acme": 420}, seed=5, tokens=(TOKEN,)) as simulator:
        yield simulator


def walk(sim, path):
    """Every item of a paged list, following rel="next"."""
    found, response = [], rest(sim, path)
    while True:
        assert response.status_code == 200, response.text
        found += response.json()
        if "next" not in response.links:
            return found
        response = rest(sim, response.links["next"]["url"][len(sim.url):])


def test_members_by_role_and_2fa_are_the_truth_once_across_pages(sim):
    access = sim.access("acme")
    owners = walk(sim, "/orgs/acme/members?role=admin&per_page=100")
    members = walk(sim, "/orgs/acme/members?role=member&per_page=100")
    assert len(members) > 100  # more than a page
    assert [m["login"] for m in owners] == [p.login for p in access.owners]
    assert sorted(m["login"] for m in members) == sorted(p.login for p in access.members)
    assert {m["login"] for m in walk(sim, "/orgs/acme/members?filter=2fa_disabled&per_page=30")} == set(access.two_factor_disabled)
    assert set(owners[0]) >= {"login", "id", "node_id", "avatar_url", "url", "html_url", "type", "site_admin"}


def test_teams_carry_privacy_parent_members_maintainers_and_repository_permissions(sim):
    access = sim.access("acme")
    teams = walk(sim, "/orgs/acme/teams?per_page=7")
    assert [t["slug"] for t in teams] == [t.slug for t in access.teams]
    nested = next(t for t in access.teams if t.parent)
    listed = next(t for t in teams if t["slug"] == nested.slug)
    assert listed["parent"]["slug"] == nested.parent and listed["privacy"] == "closed"
    assert all(t["privacy"] == "closed" for t in teams if t["parent"])  # a secret team is never nested
    team = next(t for t in access.teams if t.maintainers and t.repositories)
    assert [m["login"] for m in walk(sim, f"/orgs/acme/teams/{team.slug}/members?role=maintainer")] == list(team.maintainers)
    assert sorted(m["login"] for m in walk(sim, f"/orgs/acme/teams/{team.slug}/members")) == sorted(team.members)
    repos = walk(sim, f"/orgs/acme/teams/{team.slug}/repos")
    by_id = dict(team.repositories)
    assert {r["id"]: r["role_name"] for r in repos} == by_id
    admin = next((r for r in repos if r["role_name"] == "admin"), None)
    if admin:
        assert admin["permissions"] == {"pull": True, "triage": True, "push": True, "maintain": True, "admin": True}
    assert rest(sim, "/orgs/acme/teams/no-such-team/members").status_code == 404


def test_collaborators_by_affiliation(sim):
    access = sim.access("acme")
    outside = {p.login for p in access.outside}
    repo_id, granted = next((i, g) for i, g in access.collaborators.items() if any(login in outside for login, _ in g)
                            and any(login not in outside for login, _ in g))
    repo = next(r for r in sim.dataset.repos("acme") if r.database_id == repo_id)
    direct = rest(sim, f"/repos/{repo.name_with_owner}/collaborators?affiliation=direct").json()
    assert {c["login"]: c["role_name"] for c in direct} == dict(granted)
    only_outside = rest(sim, f"/repos/{repo.name_with_owner}/collaborators?affiliation=outside").json()
    assert {c["login"] for c in only_outside} == {login for login, _ in granted if login in outside}
    everyone = {c["login"]: c["role_name"] for c in rest(sim, f"/repos/{repo.name_with_owner}/collaborators").json()}
    assert all(everyone[p.login] == "admin" for p in access.owners)  # owners administer every repository
    assert sorted(walk(sim, "/orgs/acme/outside_collaborators"), key=lambda u: u["id"])[0]["login"] == access.outside[0].login


def test_what_a_credential_may_not_see_answers_as_github_does(sim):
    sim.set_members_readable("acme", False)
    for path in ("/orgs/acme/members", "/orgs/acme/teams", "/orgs/acme/outside_collaborators"):
        response = rest(sim, path)
        assert response.status_code == 403 and response.json()["message"] == "Resource not accessible by personal access token"
        assert response.headers["x-accepted-github-permissions"] == "members=read"
    sim.set_members_readable("acme", True)
    sim.set_org_owner("acme", False)
    response = rest(sim, "/orgs/acme/members?filter=2fa_disabled")
    assert response.status_code == 422 and response.json()["message"] == "Only owners can use this filter."
    assert rest(sim, "/orgs/acme/members").status_code == 200
    repo = sim.dataset.repos("acme")[0].name_with_owner
    sim.set_push_access(repo, False)
    response = rest(sim, f"/repos/{repo}/collaborators")
    assert response.status_code == 403 and response.json()["message"] == "Must have push access to view repository collaborators."
    assert rest(sim, "/orgs/acme/members?role=owner").status_code == 422
    assert rest(sim, "/orgs/no-such-org/teams").status_code == 404


def test_faults_hit_the_access_paths_too(sim):
    sim.add_fault(Fault("secondary_429", api="rest", retry_after=30))
    response = rest(sim, "/orgs/acme/teams")
    assert response.status_code == 429 and response.headers["retry-after"] == "30"
    sim.add_fault(Fault("bad_gateway_json", api="rest", repo=sim.dataset.repos("acme")[1].name_with_owner))
    assert rest(sim, f"/repos/{sim.dataset.repos('acme')[1].name_with_owner}/collaborators").status_code == 502
    assert rest(sim, "/orgs/acme/teams").status_code == 200
