"""secret_scanning_alerts: every secret-scanning alert of an organisation, open and resolved, one
paged REST walk (`GET /orgs/{org}/secret-scanning/alerts`, 100 a page), each page asked with its
ETag of the last run (a 304 is free). The leaked secret in each alert is never kept (record.py):
not in a record, nor in the ETag cache in the bucket, which keeps record.CACHE_FIELDS only."""

from ghstats.collectors.diffs import alert_changes
from ghstats.collectors.alert_report import alert_section
from ghstats.collectors.alert_summary import summarise_alerts
from ghstats.collectors.secret_scanning_alerts.columns import DATASET_COLUMNS
from ghstats.collectors.secret_scanning_alerts.record import CACHE_FIELDS, SCHEMA_VERSION, alert_record
from ghstats.collectors.unit import Collector, Permissions

COLLECTOR = Collector(
    name="secret_scanning_alerts",
    scope="org",
    fetch="rest_paged",
    schema_version=SCHEMA_VERSION,
    permissions=Permissions(
        classic_scopes=("repo", "security_events"),
        fine_grained=("Secret scanning alerts: read",),
        github_app=("secret_scanning_alerts: read",),
    ),
    summarise=summarise_alerts,
    diff=alert_changes,
    report=alert_section("Secret scanning alerts"),
    rest_path="orgs/{org}/secret-scanning/alerts",
    rest_params={"per_page": 100},
    item_record=alert_record,
    rest_conditional=True,  # each page asked with its ETag of the last run: a 304 is free
    rest_cache_fields=CACHE_FIELDS,
    dataset_columns=DATASET_COLUMNS,
)
