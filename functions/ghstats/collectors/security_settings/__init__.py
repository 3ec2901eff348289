"""security_settings: per repository, whether secret scanning, push protection, Dependabot
security updates and Advanced Security are on, where GitHub shows it (repository admins only:
elsewhere the fields are None and `visible` is false, never "disabled").

REST, from the core bucket: 1 conditional request per repository (`GET /repos/{owner}/{repo}`;
an answer unchanged since the last run is a free 304). Off by default: 1,000 repositories are
1,000 of a token's 5,000 requests an hour. Archived repositories are asked too (their settings
still say what is exposed).
"""

from ghstats.collectors.diffs import keyed_changes
from ghstats.collectors.security_settings.columns import DATASET_COLUMNS
from ghstats.collectors.security_settings.record import SCHEMA_VERSION, repository_record
from ghstats.collectors.security_settings.summary import NAME, summarise_security_settings
from ghstats.collectors.security_settings import report
from ghstats.collectors.unit import Collector, Permissions, RestList

COLLECTOR = Collector(
    name=NAME,
    scope="repo",
    fetch="rest_paged",
    schema_version=SCHEMA_VERSION,
    permissions=Permissions(
        classic_scopes=("repo", "public_repo"),
        fine_grained=("Metadata: read; Administration: read to see the settings (admin)",),
        github_app=("metadata: read", "administration: read"),
    ),
    summarise=summarise_security_settings,
    diff=lambda before, after: keyed_changes(before, after, added="added", removed="removed",
                                         changed={"secret_scanning": "secret_scanning_changed",
                                                  "push_protection": "push_protection_changed"}),
    report=report.sections,
    default_enabled=False,
    rest_lists=(
        RestList("repository", "repos/{repository}", repository_record, per_repository=True, optional=True,
                 single_object=True, conditional=True),
    ),
    dataset_columns=DATASET_COLUMNS,
)
