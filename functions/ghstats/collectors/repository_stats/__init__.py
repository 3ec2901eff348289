"""repository_stats: every repository's counts and flags, from the shared GraphQL batch.

8 connections per repository (watchers, open/closed issues, open/closed/merged pull requests,
releases, topics), no deep nesting. Records: README "Output records"; outputs keep their
historical names: runs/<id>/repositories.json, latest/repositories.json, datasets/repositories/.
"""

from pathlib import Path

from ghstats.collectors.repository_stats.diff import diff
from ghstats.collectors.repository_stats.columns import DATASET_COLUMNS
from ghstats.collectors.repository_stats.record import SCHEMA_VERSION, repository_record
from ghstats.collectors.repository_stats.report import sections
from ghstats.collectors.repository_stats.summary import summarise
from ghstats.collectors.unit import Collector, Permissions

COLLECTOR = Collector(
    name="repository_stats",
    scope="repo",
    fetch="graphql_batch",
    fragment_name="RepositoryStats",
    fragment_file=Path(__file__).parent / "fragment.graphql",
    connections_per_repository=8,
    nodes_per_repository=20,
    record=repository_record,
    summarise=summarise,
    diff=diff,
    report=sections,
    schema_version=SCHEMA_VERSION,
    permissions=Permissions(
        classic_scopes=("repo", "read:org"),
        fine_grained=("metadata: read", "issues: read", "pull_requests: read"),
        github_app=("metadata: read", "issues: read", "pull_requests: read"),
    ),
    dataset_columns=DATASET_COLUMNS,
)
