"""AWS list prices (us-east-1, 2025) that a run's cost is estimated with: the run's report and
`make bench` (bench/costs.py) use these, so both say the same."""

PRICES = {
    "sfn_per_1k_transitions": 0.025,
    "lambda_per_gb_s": 0.0000166667,  # x86
    "lambda_per_1m_requests": 0.20,
    "lambda_ephemeral_per_gb_s": 0.0000000309,  # /tmp above the 512 MB included
    "s3_put_per_1k": 0.005,  # PUT, COPY, POST, LIST
    "s3_get_per_1k": 0.0004,  # GET and all other requests
    "ddb_per_1m_wru": 0.625,  # on-demand
    "ddb_per_1m_rru": 0.125,
}
