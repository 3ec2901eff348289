"""X-Hub-Signature-256 with GitHub's published test vector."""

from ghstats.webhooks.signature import signature_of, verify

SECRET = b"It's a Secret to Everybody"
BODY = b"Hello, World!"
EXPECTED = "sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17"


def test_github_vector():
    assert signature_of(SECRET, BODY) == EXPECTED
    assert verify(SECRET, BODY, EXPECTED)


def test_refusals():
    assert not verify(SECRET, BODY, None)
    assert not verify(SECRET, BODY, "")
    assert not verify(SECRET, BODY + b" ", EXPECTED)  # other bytes
    assert not verify(b"another secret", BODY, EXPECTED)
    assert not verify(SECRET, BODY, EXPECTED[len("sha256="):])  # no prefix
    assert not verify(SECRET, BODY, "sha1=" + EXPECTED[len("sha256="):])
    assert not verify(SECRET, BODY, "sha256=é" + EXPECTED[8:])  # not ASCII: no TypeError
    assert not verify(b"", BODY, signature_of(b"", BODY))  # an empty secret verifies nothing
