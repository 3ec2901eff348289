"""traffic: daily views and clones (count, uniques) of every repository the credential may push
to, kept beyond GitHub's 14 days, and the top 10 paths and referrers of those 14 days.

REST, from the core bucket (not GraphQL points): 4 requests per repository (views, clones,
popular paths, popular referrers; the last three only where views answered), each conditional
(If-None-Match with the last run's ETag: GitHub's 304 is free). A repository without push access
costs 1 request and ends in coverage; an archived one costs none (coverage: not_applicable).
Not on GitHub Enterprise Server. Off by default: it spends the REST budget (1,000 repositories are
4,000 of a token's 5,000 requests an hour), and a traffic-only daily schedule is its usual home.
"""

from ghstats.collectors.traffic.columns import DATASET_COLUMNS
from ghstats.collectors.traffic.record import (CLONES_LIST, PATHS_LIST, REFERRERS_LIST, SCHEMA_VERSION, VIEWS_LIST,
                                               clone_records, complete, day_of, path_records, referrer_records,
                                               view_records)
from ghstats.collectors.traffic.summary import NAME, summarise_traffic
from ghstats.collectors.traffic import report
from ghstats.collectors.unit import Collector, History, Permissions, RestList

COLLECTOR = Collector(
    name=NAME,
    scope="repo",
    fetch="rest_paged",
    schema_version=SCHEMA_VERSION,
    permissions=Permissions(
        classic_scopes=("repo", "public_repo"),
        fine_grained=("Administration: read (push access to each repository)",),
        github_app=("administration: read",),
    ),
    summarise=summarise_traffic,
    report=report.sections,
    default_enabled=False,
    rest_lists=(
        RestList(VIEWS_LIST, "repos/{repository}/traffic/views", view_records, {"per": "day"}, per_repository=True,
                 optional=True, single_object=True, conditional=True, then=(
                     RestList(CLONES_LIST, "repos/{repository}/traffic/clones", clone_records, {"per": "day"},
                              optional=True, single_object=True, conditional=True),
                     RestList(PATHS_LIST, "repos/{repository}/traffic/popular/paths", path_records, optional=True,
                              conditional=True),
                     RestList(REFERRERS_LIST, "repos/{repository}/traffic/popular/referrers", referrer_records,
                              optional=True, conditional=True),
                 )),
    ),
    complete=complete,
    skip_archived="archived: GitHub keeps no traffic a credential may read (no push access to an archived repository)",
    history=History(day=day_of),
    dataset_columns=DATASET_COLUMNS,
)
