"""teams: every team of an organisation with its privacy, parent, members (and their count) and
maintainers, and the repositories it may access with the permission. REST: 1 request per 100
teams, plus 3 per team (members, maintainers, repositories; 1 more per further 100 of each)."""

from ghstats.collectors.diffs import keyed_changes
from ghstats.collectors.teams.columns import DATASET_COLUMNS
from ghstats.collectors.teams.record import (SCHEMA_VERSION, complete, maintainer_records, member_records,
                                             repository_records, team_of, team_records)
from ghstats.collectors.teams.summary import NAME, summarise_teams
from ghstats.collectors.teams import report
from ghstats.collectors.unit import Collector, Permissions, RestList

TEAM_LISTS = (
    RestList("team_members", "orgs/{org}/teams/{team}/members", member_records, {"role": "all", "per_page": 100}),
    RestList("team_maintainers", "orgs/{org}/teams/{team}/members", maintainer_records,
             {"role": "maintainer", "per_page": 100}),
    RestList("team_repositories", "orgs/{org}/teams/{team}/repos", repository_records, {"per_page": 100}),
)

COLLECTOR = Collector(
    name=NAME,
    scope="org",
    fetch="rest_paged",
    schema_version=SCHEMA_VERSION,
    permissions=Permissions(
        classic_scopes=("read:org", "admin:org"),
        fine_grained=("Members: read (organisation)",),
        github_app=("members: read",),
    ),
    default_enabled=False,  # people data (logins, team membership): an org turns it on knowingly
    summarise=summarise_teams,
    diff=lambda before, after: keyed_changes(before, after, added="added", removed="removed",
                                         changed={"permission": "permission_changed", "parent": "moved"}),
    report=report.sections,
    rest_lists=(RestList("teams", "orgs/{org}/teams", team_records, {"per_page": 100}, then=TEAM_LISTS,
                         then_vars=team_of),),
    complete=complete,
    dataset_columns=DATASET_COLUMNS,
)
