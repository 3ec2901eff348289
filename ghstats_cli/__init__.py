"""The ghstats command line and the local runner (moto's embedded Step Functions engine)."""
