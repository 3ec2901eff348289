"""repository_policy: default-branch protection (rules and rulesets), policy files, security
settings, and a verdict per repository, from the shared GraphQL batch.

6 connections per repository (rulesets, and the rules of up to 5), beside repository_stats' 8:
with both on, a batch of 50 costs 7 points instead of 4 (README, "Collectors").
"""

from pathlib import Path

from ghstats.collectors.repository_policy.diff import diff
from ghstats.collectors.repository_policy.columns import DATASET_COLUMNS
from ghstats.collectors.repository_policy.record import SCHEMA_VERSION, policy_record
from ghstats.collectors.repository_policy.summary import summarise
from ghstats.collectors.repository_policy.verdict import PolicyOptions, verdict
from ghstats.collectors.repository_policy import report
from ghstats.collectors.unit import Collector, Permissions, Record, SummaryContext


SECURITY_SETTINGS = "security_settings"  # the REST collector whose settings two rules judge, when it ran


def _with_verdict(record: Record, context: SummaryContext) -> Record:
    settings = context.records_of.get(SECURITY_SETTINGS, {}).get(record["key"])
    found = {**record, "security_settings": None if settings is None else {
        name: settings[name] for name in ("secret_scanning", "push_protection")}}
    return {**found, "verdict": verdict(found, context.options or PolicyOptions(), context.now)}


COLLECTOR = Collector(
    name="repository_policy",
    scope="repo",
    fetch="graphql_batch",
    fragment_name="RepositoryPolicy",
    fragment_file=Path(__file__).parent / "fragment.graphql",
    connections_per_repository=6,
    nodes_per_repository=130,
    record=policy_record,
    finalise=_with_verdict,
    options=PolicyOptions,
    summarise=summarise,
    diff=diff,
    report=report.sections,
    schema_version=SCHEMA_VERSION,
    permissions=Permissions(
        classic_scopes=("repo",),
        fine_grained=("metadata: read", "contents: read", "administration: read (branch protection, rulesets)"),
        github_app=("metadata: read", "contents: read", "administration: read (branch protection, rulesets)"),
    ),
    dataset_columns=DATASET_COLUMNS,
)
