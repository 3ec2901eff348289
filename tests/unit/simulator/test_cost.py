"""GitHub's rate-limit cost formula, node count and pagination checks, from the AST alone."""

from __future__ import annotations

import pytest
from graphql import parse

from simulator.cost import analyze
from simulator.schema import github_schema

STATS_FRAGMENT = """
fragment Stats on Repository {
  nameWithOwner stargazerCount forkCount
  watchers { totalCount }
  openIssues: issues(states: [OPEN]) { totalCount }
  closedIssues: issues(states: [CLOSED]) { totalCount }
  openPullRequests: pullRequests(states: [OPEN]) { totalCount }
  closedPullRequests: pullRequests(states: [CLOSED]) { totalCount }
  mergedPullRequests: pullRequests(states: [MERGED]) { totalCount }
  releases { totalCount }
  repositoryTopics(first: 20) { nodes { topic { name } } }
}
"""


def cost_of(query: str, variables: dict | None = None):
    return analyze(github_schema(), parse(query), variables)


def test_documented_example_costs_51_points():
    analysis = cost_of("""
      query { organization(login: "acme") {
        repositories(first: 100) { nodes { issues(first: 50) { nodes { labels(first: 60) { nodes { name } } } } } }
      } rateLimit { cost } }""")
    assert analysis.requests == 1 + 100 + 5000
    assert analysis.cost == 51
    assert analysis.node_count == 100 + 100 * 50 + 100 * 50 * 60
    assert analysis.errors == []


def test_fifty_aliases_of_eight_count_only_connections_cost_4():
    aliases = " ".join(f'r{i}: repository(owner: "acme", name: "n{i}") {{ ...Stats }}' for i in range(50))
    analysis = cost_of("query { rateLimit { cost } " + aliases + " }" + STATS_FRAGMENT)
    assert analysis.requests == 400
    assert analysis.cost == 4
    assert [t.alias for t in analysis.repo_targets] == [f"r{i}" for i in range(50)]
    assert analysis.repo_targets[3].key == "acme/n3"


def test_rate_limit_alone_costs_the_minimum_of_one():
    analysis = cost_of("{ rateLimit { cost remaining } viewer { login } }")
    assert (analysis.requests, analysis.cost) == (0, 1)


def test_rounding_to_nearest():
    one_fifty = " ".join(f'r{i}: repository(owner: "o", name: "n{i}") {{ releases {{ totalCount }} }}' for i in range(150))
    assert cost_of("{" + one_fifty + "}").cost == 2  # 150 / 100 = 1.5 -> 2
    one_forty = " ".join(f'r{i}: repository(owner: "o", name: "n{i}") {{ releases {{ totalCount }} }}' for i in range(140))
    assert cost_of("{" + one_forty + "}").cost == 1


def test_first_from_variables_and_defaults():
    query = "query($n: Int = 40) { organization(login: \"a\") { repositories(first: $n) { nodes { issues(first: 10) { totalCount } } } } }"
    assert cost_of(query).requests == 1 + 40
    assert cost_of(query, {"n": 100}).requests == 1 + 100
    assert cost_of(query, {"n": 100}).node_count == 100 + 1000


def test_fields_merged_by_response_key_count_once():
    query = """{ organization(login: "a") { repositories(first: 10) { totalCount } }
                 organization(login: "a") { repositories(first: 10) { nodes { name } } } }"""
    assert cost_of(query).requests == 1


@pytest.mark.parametrize("argument", ["first", "last"])
def test_more_than_100_is_excessive_pagination(argument):
    analysis = cost_of(f'{{ organization(login: "a") {{ repositories({argument}: 101) {{ nodes {{ name }} }} }} }}')
    assert analysis.errors == [{
        "type": "EXCESSIVE_PAGINATION",
        "path": ["organization", "repositories"],
        "locations": [{"line": 1, "column": 30}],
        "message": f"Requesting 101 records on the `repositories` connection exceeds the `{argument}` limit of 100 records.",
    }]


def test_negative_first_is_invalid_pagination():
    analysis = cost_of('{ organization(login: "a") { repositories(first: -1) { totalCount } } }')
    assert [e["type"] for e in analysis.errors] == ["INVALID_PAGINATION"]


def test_nodes_without_first_or_last_is_missing_boundaries():
    analysis = cost_of('{ repository(owner: "a", name: "b") { issues { edges { node { title } } } } }')
    assert analysis.errors[0]["type"] == "MISSING_PAGINATION_BOUNDARIES"
    assert analysis.errors[0]["message"] == (
        "You must provide a `first` or `last` value to properly paginate the `issues` connection.")


def test_total_count_alone_needs_no_boundaries():
    assert cost_of('{ repository(owner: "a", name: "b") { issues { totalCount } } }').errors == []


def test_node_limit():
    query = """{ organization(login: "a") { repositories(first: 100) { nodes {
        issues(first: 100) { nodes { labels(first: 100) { nodes { name } } } } } } } }"""
    analysis = cost_of(query)
    assert analysis.node_count == 100 + 10_000 + 1_000_000
    assert analysis.errors == [{
        "type": "MAX_NODE_LIMIT_EXCEEDED",
        "message": "This query requests up to 1,010,100 possible nodes which exceeds the maximum limit of 500,000.",
    }]


def test_dry_run_is_noticed():
    assert cost_of("{ rateLimit(dryRun: true) { cost } }").dry_run
    assert not cost_of("{ rateLimit { cost } }").dry_run
