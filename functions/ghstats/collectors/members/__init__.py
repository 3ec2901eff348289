"""members: every member of an organisation with their role (admin = owner, member), and, where the
credential is an org owner, whether two-factor authentication is off. Three paged REST lists per
org (`GET /orgs/{org}/members?role=admin`, `?role=member`, `?filter=2fa_disabled`): 1 request per
100 members, plus 1 per 100 members without 2FA."""

from ghstats.collectors.diffs import keyed_changes
from ghstats.collectors.members.columns import DATASET_COLUMNS
from ghstats.collectors.members.record import (SCHEMA_VERSION, TWO_FACTOR_LIST, complete, member_records,
                                               owner_records, two_factor_records)
from ghstats.collectors.members.summary import NAME, summarise_members
from ghstats.collectors.members import report
from ghstats.collectors.unit import Collector, Permissions, RestList

COLLECTOR = Collector(
    name=NAME,
    scope="org",
    fetch="rest_paged",
    schema_version=SCHEMA_VERSION,
    permissions=Permissions(
        classic_scopes=("read:org", "admin:org"),
        fine_grained=("Members: read (organisation); 2FA: the token's owner is an org owner",),
        github_app=("members: read",),
    ),
    default_enabled=False,  # people data (logins, 2FA): an org turns it on knowingly
    summarise=summarise_members,
    diff=lambda before, after: keyed_changes(before, after, added="joined", removed="left", changed={"role": "role_changed"}),
    report=report.sections,
    rest_lists=(
        RestList("owners", "orgs/{org}/members", owner_records, {"role": "admin", "per_page": 100}),
        RestList("members", "orgs/{org}/members", member_records, {"role": "member", "per_page": 100}),
        # owners only: anyone else gets 422 "Only owners can use this filter." (coverage, not an error)
        RestList(TWO_FACTOR_LIST, "orgs/{org}/members", two_factor_records, {"filter": "2fa_disabled", "per_page": 100},
                 optional=True),
    ),
    complete=complete,
    dataset_columns=DATASET_COLUMNS,
)
