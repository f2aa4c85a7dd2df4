"""The session-wide lab: real namespaces, real ICMP, nmap and DNS.

Every test in tests/lab/ and the browser tour (tests/tour/) uses the ``lab``
fixture. tests/conftest.py makes it available everywhere, so that one session
(one xdist worker) builds one lab whatever folders its tests come from. Where
the lab cannot be built (not root, no ``ip netns``, a missing tool) the fixture
skips with the reason.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.lab.netns import Lab, LabUnavailable, missing_requirements


@pytest.fixture(scope="session")
def lab() -> Iterator[Lab]:
    """Build the lab once per session and tear it down (processes by PID, namespaces)."""
    problem = missing_requirements()
    if problem:
        pytest.skip(f"lab unavailable: {problem}")
    try:
        lab = Lab().start()
    except LabUnavailable as error:
        pytest.skip(f"lab unavailable: {error}")
    try:
        yield lab
    finally:
        lab.close()
