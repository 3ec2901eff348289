"""ghstats domain package: plain Python, dependencies passed in as parameters."""
