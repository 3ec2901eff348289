"""code_scanning_alerts: every code-scanning alert of an organisation (default branches), open,
dismissed and fixed, one paged REST walk (`GET /orgs/{org}/code-scanning/alerts`, 100 a page), each
page asked with its ETag of the last run (a 304 is free; README "Collectors")."""

from ghstats.collectors.diffs import alert_changes
from ghstats.collectors.alert_report import alert_section
from ghstats.collectors.alert_summary import summarise_alerts
from ghstats.collectors.code_scanning_alerts.columns import DATASET_COLUMNS
from ghstats.collectors.code_scanning_alerts.record import CACHE_FIELDS, SCHEMA_VERSION, alert_record
from ghstats.collectors.unit import Collector, Permissions

COLLECTOR = Collector(
    name="code_scanning_alerts",
    scope="org",
    fetch="rest_paged",
    schema_version=SCHEMA_VERSION,
    permissions=Permissions(
        classic_scopes=("security_events",),
        fine_grained=("Code scanning alerts: read",),
        github_app=("security_events: read",),
    ),
    summarise=summarise_alerts,
    diff=alert_changes,
    report=alert_section("Code scanning alerts"),
    rest_path="orgs/{org}/code-scanning/alerts",
    rest_params={"per_page": 100},
    item_record=alert_record,
    rest_conditional=True,  # each page asked with its ETag of the last run: a 304 is free
    rest_cache_fields=CACHE_FIELDS,
    dataset_columns=DATASET_COLUMNS,
)
