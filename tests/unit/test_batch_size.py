"""GitHub's point formula for a batch, the "auto" batch size, and the collectors' declared
connections checked against the simulator's cost of the real batch query."""

from __future__ import annotations

import pytest

from ghstats import limits
from ghstats.collect.batch_size import (
    MAX_NODES,
    choose_batch_size,
    points_per_repository,
    points_per_request,
    resolve_batch_size,
    round_points,
)
from ghstats.collect.planning import planned_batch_size
from ghstats.collectors import REGISTRY, batch_collectors
from ghstats.config import InvalidConfig, parse_config
from ghstats.github import documents
from simulator import graphql_api
from simulator.cost import Analysis

SIZES = range(limits.MIN_BATCH_SIZE, limits.MAX_BATCH_SIZE + 1)
GRAPHQL_BATCH = [c for c in REGISTRY.values() if c.fetch == "graphql_batch"]


def test_the_issues_examples():
    # 8 connections per repository: 448 requests -> 4.48 -> 4 points; 496 -> 4.96 -> 5
    assert points_per_request(8, 56) == 4
    assert points_per_request(8, 62) == 5
    assert points_per_request(8, 50) == 4  # today's fixed 50: 400 requests
    assert points_per_request(8, 65) == 5  # the peers' 65: 520 -> 5.2 -> 5


def test_at_least_one_point_and_ties_round_up():
    assert points_per_request(8, 1) == 1  # 0.08 -> 0 -> the minimum 1
    assert points_per_request(0, 100) == 1
    assert points_per_request(14, 25) == 4  # 350 -> 3.5 -> 4 (banker's rounding agrees: 4 is even)
    assert points_per_request(14, 75) == 11  # 1,050 -> 10.5 -> 11 (banker's rounding would say 10)
    assert points_per_request(8, 10, fixed=50) == 1  # 130 -> 1.3 -> 1


def test_the_planner_rounds_as_the_simulator_charges():
    assert all(round_points(requests) == Analysis(requests=requests).cost for requests in range(20_001))


@pytest.mark.parametrize("connections, chosen, points", [(8, 18, 1), (14, 10, 1)])
def test_auto_picks_the_fewest_points_per_repository(connections, chosen, points):
    size = choose_batch_size(connections)
    assert (size, points_per_request(connections, size)) == (chosen, points)
    best = points_per_repository(connections, size)
    assert all(best <= points_per_repository(connections, other) for other in SIZES)
    # a tie goes to the larger size: no larger size is as cheap
    assert all(points_per_repository(connections, other) > best for other in SIZES if other > size)
    assert best < points_per_repository(connections, limits.FIXED_BATCH_SIZE_BEFORE_AUTO)


def test_auto_ties_go_to_the_larger_size():
    assert choose_batch_size(0) == limits.MAX_BATCH_SIZE  # 1 point whatever the size
    assert choose_batch_size(8, sizes=[6, 12]) == 12  # both 1 point a request; 12 halves the requests per repo
    assert choose_batch_size(1, sizes=[149, 150]) == 149  # 1.49 -> 1 point; 1.5 -> 2


def test_auto_respects_the_node_limit():
    assert choose_batch_size(8, nodes_per_repo=MAX_NODES // 5) == 5  # 18 would ask for too many nodes
    assert choose_batch_size(8, nodes_per_repo=MAX_NODES + 1) == limits.MAX_BATCH_SIZE  # none fits: GitHub's answer splits it


@pytest.mark.parametrize("collector", GRAPHQL_BATCH, ids=lambda c: c.name)
def test_each_collector_declares_what_the_simulator_charges(collector):
    # The real batch query for one repository with only this collector's fragment, less the same
    # query without any fragment (nameWithOwner and rateLimit: the part every batch has).
    def analysed(fragments):
        return graphql_api.analyze_prepared(graphql_api.prepare(documents.batch_query(["o/r"], fragments)), {}, None)

    bare = analysed([("Bare", "fragment Bare on Repository { nameWithOwner }")])
    mine = analysed([collector.fragment()])
    assert not mine.errors
    assert (collector.connections_per_repository, collector.nodes_per_repository) == (
        mine.requests - bare.requests, mine.node_count - bare.node_count)
    assert bare.requests == 0  # QUERY_FIXED_CONNECTIONS: rateLimit is free


def test_the_declared_connections_add_up_in_one_batch():
    both = batch_collectors({})  # the defaults: repository_stats and repository_policy
    prepared = graphql_api.prepare(documents.batch_query(["o/a", "o/b", "o/c"], [c.fragment() for c in both]))
    analysis = graphql_api.analyze_prepared(prepared, {}, None)
    per_repo = sum(c.connections_per_repository for c in both)
    assert per_repo == 14 and analysis.requests == 3 * per_repo
    assert analysis.cost == points_per_request(per_repo, 3)


def test_the_plan_resolves_auto_for_the_enabled_collectors():
    stats_only = parse_config({"orgs": ["acme"], "collectors": {"repository_policy": False}})
    assert planned_batch_size(stats_only) == (18, True)
    assert planned_batch_size(parse_config({"orgs": ["acme"]})) == (10, True)  # 8 + 6 connections
    assert planned_batch_size(parse_config({"orgs": ["acme"], "batch_size": 50})) == (50, False)
    assert resolve_batch_size("auto", []) == (limits.MAX_BATCH_SIZE, True)  # nameWithOwner only


@pytest.mark.parametrize("value", [0, 101, "big", "AUTO", 12.5, None, True])
def test_a_bad_batch_size_names_the_field_and_the_fix(value):
    with pytest.raises(InvalidConfig) as raised:
        parse_config({"orgs": ["acme"], "batch_size": value})
    (problem,) = raised.value.problems
    assert problem.startswith(f"batch_size: {value!r} is neither \"auto\" nor a whole number from 1 to 100")
    assert 'set "auto"' in problem


def test_auto_is_accepted_and_kept_in_the_config():
    config = parse_config({"orgs": ["acme"], "batch_size": "auto"})
    assert config.batch_size == "auto" and config.to_dict()["batch_size"] == "auto"
    assert config == parse_config({"orgs": ["acme"]})
