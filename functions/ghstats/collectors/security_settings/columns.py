"""The fields of datasets/security_settings/ (record.py's record) and their Athena types."""

from ghstats.collectors.security_settings.record import FEATURES

DATASET_COLUMNS = {
    "schema_version": "bigint",
    "key": "string", "org": "string", "repository": "string", "visible": "boolean",
    **dict.fromkeys(FEATURES, "string"),  # enabled | disabled; null where GitHub did not show it
}
