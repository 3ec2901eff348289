"""`python -m bench` (and `make bench`): see bench/__init__.py and bench/results.md."""

import sys

from bench.runner import main

sys.exit(main())
