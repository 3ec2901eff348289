"""Shared fixtures: the GitHub simulator, the local AWS (moto + the real ASL), instant waits."""

from __future__ import annotations

import logging
import socket
import warnings
from types import SimpleNamespace

import pytest

TOKEN = "ghs_test_token_0123456789abcdef"


@pytest.fixture(autouse=True)
def no_internet(monkeypatch):
    """Tests talk to 127.0.0.1 only (the simulator, moto in-process)."""
    real = socket.create_connection

    def guarded(address, *args, **kwargs):
        host = address[0]
        if host not in ("127.0.0.1", "localhost", "::1"):
            raise RuntimeError(f"a test tried to reach {host}: use the GitHub simulator")
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", guarded)


@pytest.fixture
def engine_delays(monkeypatch):
    """Make the engine's Retry sleeps and Wait states instant, recording what they asked for.

    The ASL's real settings are untouched: tests assert the recorded delays.
    """
    from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
    from moto.stepfunctions.parser.asl.component.state.wait.wait_function import wait_function

    recorded = SimpleNamespace(retries=[], waits=[])
    monkeypatch.setattr(retrier_decl, "time", SimpleNamespace(sleep=recorded.retries.append))
    monkeypatch.setattr(wait_function.WaitFunction, "_wait_interval",
                        lambda self, env, wait_seconds: recorded.waits.append(wait_seconds))
    return recorded


@pytest.fixture
def local_aws(engine_delays):
    from ghstats_cli.local_aws import LocalAws

    logging.getLogger("moto.stepfunctions.parser").setLevel(logging.CRITICAL)
    warnings.filterwarnings("ignore", message="No application metrics to publish")
    with LocalAws({"GITHUB_TOKEN": TOKEN}) as aws:
        yield aws


def new_key_pair() -> tuple[str, str]:
    """A GitHub App's RSA key pair: (private key PEM, public key PEM)."""
    from simulator.auth import new_app_key_pair

    return new_app_key_pair()


@pytest.fixture(scope="session")
def key_pair():
    return new_key_pair()


@pytest.fixture
def make_sim():
    from simulator import GitHubSimulator

    started = []

    def make(orgs, **kwargs):
        sim = GitHubSimulator(orgs=orgs, seed=kwargs.pop("seed", 3), tokens=kwargs.pop("tokens", (TOKEN,)), **kwargs).start()
        started.append(sim)
        return sim

    yield make
    for sim in started:
        sim.stop()


@pytest.fixture
def handler_logs():
    """Everything the handlers log, at DEBUG, formatted by Powertools."""
    import io

    from handlers.observability import logger

    stream = io.StringIO()
    capture = logging.StreamHandler(stream)
    capture.setFormatter(logger.registered_formatter)
    level = logger.log_level
    logger.addHandler(capture)
    logger.setLevel("DEBUG")
    yield stream
    logger.removeHandler(capture)
    logger.setLevel(level)
