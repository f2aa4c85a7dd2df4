"""Issue 8 in the lab: what Netkeep records is what happened on the (namespaced) wire."""

from __future__ import annotations

from typing import Any

import pytest

from discovery import tasks
from discovery.models import RunKind, RunStatus
from ipam.models import Host, HostStatus, Subnet
from tests.lab.netns import Lab

pytestmark = [pytest.mark.lab, pytest.mark.django_db]
ALLOWED = ["198.18.0.0/15", "2001:2::/48"]


def test_a_host_target_sweeps_that_one_address(lab: Lab, settings: Any) -> None:
    settings.SCAN_ALLOWED_NETWORKS = ALLOWED
    subnet = Subnet(network=str(lab.net24))
    subnet.save()
    Host(address="198.18.0.10", subnet=subnet).save()
    run = tasks.enqueue_scan(RunKind.SWEEP, "198.18.0.10", queue=False)
    with lab.enter():
        tasks.execute(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED
    assert (run.done, run.total, run.counts["swept"]) == (1, 1, 1)
    assert Host.objects.get(address="198.18.0.10").status == HostStatus.UP
    # No other alive address of the /24 was pinged, so none was discovered.
    assert Host.objects.count() == 1
