"""`make bench`: ghstats' workflow against the approaches users run today, on the simulator.

    .venv/bin/python -m bench                       # every step, writes bench/results.md (and collectors.md)
    .venv/bin/python -m bench --budget-s 1500       # the same with room for the 50,000-repository rows
    .venv/bin/python -m bench --steps webhooks      # one step; the other sections of results.md stay
    .venv/bin/python -m bench --quick               # a smoke run: every step small, no files (about a minute)

One process runs every step, in this order, from one time budget (`--budget-s`, default 780 s:
with a fresh clone's `make setup`, under 15 minutes on 2 cores; bench/budget.py):

    points        points per repository, batch_size "auto" vs 50 vs serial 65 (bench/batch_points.py)
    collectors    every collector's requests per rate-limit bucket (bench/collectors.py -> collectors.md)
    main          the main rows (bench/runner.py, bench/report.py): ghstats, serial batches of 65 and
                  PyGithub at 1,000, ghstats and serial-65 at 10,000 (serial time-boxed to its grant),
                  50,000 when the budget holds every other step at full scale
    several-orgs  5 orgs x 2,000 on one PAT vs an App installation per org (bench/installations.py)
    webhooks      deliveries through the local receiver (bench/webhooks.py)

Before each step, the steps still to run are granted time from what is left: all at full scale
when they fit, else the optional ones left out, else the others scaled down towards their smallest
useful scale. results.md says what each step ran, what was scaled, time-boxed or left out, and
where the time of the whole command went ("Where `make bench`'s time goes").

The main rows' simulator (GitHub's API, point formula and latency model) lives in the parent
process; every approach and scale runs in its own child process (`python -m bench.worker`), so
each gets its own peak memory figure and its own CPU away from the simulator's.
"""
