"""`make bench`: ghstats' workflow against the approaches users run today, on the simulator.

    .venv/bin/python -m bench                       # the full run (1k / 10k / 50k), writes bench/results.md
    .venv/bin/python -m bench --quick               # a smoke run: 120 repos, no latency, a few seconds

The simulator (GitHub's API, point formula and latency model) lives in the parent process;
every approach and scale runs in its own child process (`python -m bench.worker`), so each
gets its own peak memory figure and its own CPU away from the simulator's.
"""
