"""Starting, stopping and the request log."""

from __future__ import annotations

import socket

import pytest
import requests

from simulator import Fault, GitHubSimulator, RequestRecord
from tests.unit.simulator.conftest import TOKEN, gql, repo_query, rest


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_start_returns_self_and_binds_the_given_port():
    port = free_port()
    sim = GitHubSimulator(orgs={"acme": 2}, tokens=(TOKEN,), port=port)
    assert sim.start() is sim
    try:
        assert sim.url == f"http://127.0.0.1:{port}" and sim.graphql_url == sim.url + "/graphql"
        assert gql(sim, "{ viewer { login } }").status_code == 200
    finally:
        sim.stop()
        sim.stop()  # idempotent


def test_stopped_simulator_answers_nothing_even_on_kept_alive_connections():
    session = requests.Session()
    with GitHubSimulator(orgs={"acme": 2}, tokens=(TOKEN,)) as sim:
        assert session.get(sim.url + "/user", headers={"Authorization": f"token {TOKEN}"}, timeout=5).ok
    with pytest.raises(requests.exceptions.ConnectionError):
        session.get(sim.url + "/user", headers={"Authorization": f"token {TOKEN}"}, timeout=5)


def test_request_log():
    with GitHubSimulator(orgs={"acme": 5}, tokens=(TOKEN,)) as sim:
        keys = [r.name_with_owner for r in sim.dataset.repos("acme")[:3]]
        sim.add_fault(Fault("bad_gateway_json", on_request=2))
        gql(sim, repo_query(keys))
        gql(sim, repo_query(keys[:2]))
        rest(sim, f"/repos/{keys[0]}")
        gql(sim, "{ viewer { login } }", token="nope")
        records = sim.requests
        assert all(isinstance(r, RequestRecord) for r in records)
        assert [(r.kind, r.method, r.path, r.status, r.cost, r.repos, r.fault) for r in records] == [
            ("graphql", "POST", "/graphql", 200, 1, 3, None),
            ("graphql", "POST", "/graphql", 502, 1, 2, "bad_gateway_json"),
            ("rest", "GET", f"/repos/{keys[0]}", 200, 0, 0, None),
            ("graphql", "POST", "/graphql", 401, 0, 0, None),
        ]
        assert all(r.duration_s >= 0 for r in records) and records[0].query.startswith("query {")
        assert sim.count() == 4 and sim.count(kind="graphql") == 3 and sim.count(status=200) == 2
        assert sim.count(kind="graphql", status=401) == 1 and sim.points_used() == 2
        sim.reset_records()
        assert sim.requests == [] and sim.points_used() == 0
        sim.add_fault(Fault("secondary_403", on_request=1))  # numbering restarts after a reset
        assert gql(sim, "{ viewer { login } }").status_code == 403
