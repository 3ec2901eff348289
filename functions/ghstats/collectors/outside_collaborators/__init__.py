"""outside_collaborators: every outside collaborator of an organisation, and every direct
collaborator (outside ones flagged) of each of the run's repositories with their permission.
REST: 1 request per 100 outside collaborators, plus 1 per repository (`/repos/{o}/{r}/collaborators
?affiliation=direct`, needs push access; a repository the credential may not read ends in coverage).
Off by default: 1,000 repositories cost 1,000 REST requests of the hourly 5,000."""

from ghstats.collectors.diffs import keyed_changes
from ghstats.collectors.outside_collaborators.columns import DATASET_COLUMNS
from ghstats.collectors.outside_collaborators.record import (REPOSITORY_LIST, SCHEMA_VERSION, collaborator_records,
                                                             complete, outside_records)
from ghstats.collectors.outside_collaborators.summary import NAME, summarise_outside_collaborators
from ghstats.collectors.outside_collaborators import report
from ghstats.collectors.unit import Collector, Permissions, RestList

COLLECTOR = Collector(
    name=NAME,
    scope="org",
    fetch="rest_paged",
    schema_version=SCHEMA_VERSION,
    permissions=Permissions(
        classic_scopes=("read:org", "admin:org"),
        fine_grained=("Members: read (organisation)", "Metadata: read, and push access to each repository"),
        github_app=("members: read", "metadata: read"),
    ),
    summarise=summarise_outside_collaborators,
    diff=lambda before, after: keyed_changes(before, after, added="granted", removed="revoked",
                                         changed={"permission": "permission_changed"}),
    report=report.sections,
    default_enabled=False,  # people data, and 1 REST request per repository: an org turns it on knowingly
    rest_lists=(
        RestList("outside_collaborators", "orgs/{org}/outside_collaborators", outside_records, {"per_page": 100}),
        RestList(REPOSITORY_LIST, "repos/{repository}/collaborators", collaborator_records,
                 {"affiliation": "direct", "per_page": 100}, per_repository=True, optional=True),
    ),
    complete=complete,
    dataset_columns=DATASET_COLUMNS,
)
