"""An offline GitHub API simulator: GraphQL (graphql-core over GitHub's published schema) and
REST over seeded synthetic orgs, with GitHub's rate limits, costs, error shapes and faults.

    from simulator import GitHubSimulator, Fault, Latency

    with GitHubSimulator(orgs={"acme": 500}, seed=1, tokens=("ghs_simtoken",)) as sim:
        ...  # sim.url (REST root), sim.graphql_url, sim.dataset (the truth), sim.requests
"""

from simulator.dataset import Dataset, SimRepo
from simulator.faults import Fault
from simulator.github_simulator import GitHubSimulator, Latency
from simulator.records import RequestRecord

__all__ = ["Dataset", "Fault", "GitHubSimulator", "Latency", "RequestRecord", "SimRepo"]
