"""Every GraphQL document, and the generated batch query, validates against GitHub's schema."""

import json
from pathlib import Path

import graphql
import pytest

from ghstats.collectors import REGISTRY
from ghstats.github import documents

SCHEMA_JSON = Path(__file__).resolve().parents[2] / "node_modules" / "@octokit" / "graphql-schema" / "schema.json"


@pytest.fixture(scope="module")
def schema():
    data = json.loads(SCHEMA_JSON.read_text())
    # GitHub's schema has known spec violations that strict building rejects.
    return graphql.build_client_schema(data.get("data", data), assume_valid=True)


OPERATIONS = sorted(p.stem for p in documents.QUERIES_DIR.glob("*.graphql") if "\nquery " in "\n" + p.read_text())
FRAGMENTS = sorted(p.stem for p in documents.QUERIES_DIR.glob("*.graphql") if p.stem not in OPERATIONS)


def test_every_file_is_an_operation_or_a_fragment_the_batch_query_uses():
    assert OPERATIONS == ["list_org_repos", "rate_limit"]
    assert FRAGMENTS == ["rate_limit_fields"]  # the collectors' fragments live in their folders


@pytest.mark.parametrize("name", OPERATIONS)
def test_document_is_valid(schema, name):
    assert graphql.validate(schema, graphql.parse(documents.document(name))) == []


def test_batch_query_is_valid_and_has_an_alias_per_repo(schema):
    keys = [f"acme/repo-{i}" for i in range(100)] + ["a-b/c.d_e"]
    text = documents.batch_query(keys, [c.fragment() for c in REGISTRY.values() if c.fetch == "graphql_batch"])
    assert graphql.validate(schema, graphql.parse(text)) == []
    operation = graphql.parse(text).definitions[0]
    aliases = [s.alias.value for s in operation.selection_set.selections if s.alias]
    assert aliases == [f"r{i}" for i in range(len(keys))]


def test_pull_requests_are_counted_from_pull_requests_not_issues():
    _, fragment = REGISTRY["repository_stats"].fragment()
    for alias in ("openPullRequests", "closedPullRequests", "mergedPullRequests"):
        assert f"{alias}: pullRequests(" in fragment


@pytest.mark.parametrize("bad", ["acme", "acme/", "/x", 'acme/x") { id } evil: viewer { login', "a/b c"])
def test_batch_query_rejects_names_that_could_change_the_query(bad):
    with pytest.raises(ValueError):
        documents.batch_query([bad], [REGISTRY["repository_stats"].fragment()])
