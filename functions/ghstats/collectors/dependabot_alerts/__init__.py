"""dependabot_alerts: every Dependabot alert of an organisation, all states, one paged REST walk
(`GET /orgs/{org}/dependabot/alerts`, cursor paging, 100 a page: 1 request per 100 alerts), each
page asked with its ETag of the last run (a 304 is free; README "Collectors")."""

from ghstats.collectors.diffs import alert_changes
from ghstats.collectors.alert_report import alert_section
from ghstats.collectors.alert_summary import summarise_alerts
from ghstats.collectors.dependabot_alerts.columns import DATASET_COLUMNS
from ghstats.collectors.dependabot_alerts.record import CACHE_FIELDS, SCHEMA_VERSION, alert_record
from ghstats.collectors.unit import Collector, Permissions

COLLECTOR = Collector(
    name="dependabot_alerts",
    scope="org",
    fetch="rest_paged",
    schema_version=SCHEMA_VERSION,
    permissions=Permissions(
        classic_scopes=("security_events",),
        fine_grained=("Dependabot alerts: read",),
        github_app=("vulnerability_alerts: read",),
    ),
    summarise=summarise_alerts,
    diff=alert_changes,
    report=alert_section("Dependabot alerts"),
    rest_path="orgs/{org}/dependabot/alerts",
    rest_params={"per_page": 100},  # every state (no `state` filter): open, fixed, dismissed, auto_dismissed
    item_record=alert_record,
    rest_conditional=True,  # each page asked with its ETag of the last run: a 304 is free
    rest_cache_fields=CACHE_FIELDS,
    dataset_columns=DATASET_COLUMNS,
)
