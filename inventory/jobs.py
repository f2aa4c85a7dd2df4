"""Inventory's background jobs: connection tests and platform detection, declared for netkeep.jobs.

Requests call `start()`, which queues a run carrying only the device's id;
the worker's entry points below claim the run, do the SSH work through
inventory/connect.py with no transaction open, and write the outcome on the
device and the run (diagnosis, prompt, working set, per-set attempts).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from inventory import connect, ssh
from inventory.models import Device
from netkeep import jobs
from netkeep.jobs.summary import join

if TYPE_CHECKING:
    from netkeep.types import Actor

TEST = "inventory_connection_test"
DETECT = "inventory_platform_detection"

jobs.kind(
    TEST,
    "Connection test",
    run="inventory.jobs.run_connection_test",
    noun="connections",
    summary="inventory.jobs.connection_summary",
)
jobs.kind(
    DETECT,
    "Platform detection",
    run="inventory.jobs.run_platform_detection",
    noun="connections",
    summary="inventory.jobs.detection_summary",
)

# Service checks: a minute of cycles every minute (each check runs on its own interval
# within it); history older than 90 days goes once a day.
jobs.periodic("inventory:service-checks", "inventory.checks.scheduled", minutes=1, jitter_s=5)
jobs.periodic("inventory:prune-checks", "inventory.checks.prune", schedule="daily", jitter_s=3600)


def start(kind: str, device: Device, user: Actor) -> jobs.Run:
    """Queue a connection test or platform detection of the device; returns its run.

    Raises jobs.RateLimited when the user asked too often.
    """
    return jobs.enqueue(kind, target=device.name, user=user, device=device.pk)


def _device(run: jobs.Run) -> Device | None:
    return (
        Device.objects.select_related("management_host__subnet")
        .filter(pk=run.refs.get("device"))
        .first()
    )


def _on_device(run_id: int, what: str, work: Callable[[jobs.Run, Device], None]) -> str:
    """Claim the run, load its device and do the work; returns the run's status."""
    run = jobs.claim(run_id)
    if run is None:
        return "skipped"
    device = _device(run)
    if device is None:
        run.fail(f"The device was deleted before {what} ran.")
        return run.status
    run.progress(0, 1, force=True)
    work(run, device)
    return run.status


def _refused(run: jobs.Run, result: ssh.Result) -> None:
    run.error_class = result.diagnosis
    run.fail(result.message, counts=connect.summary(result))


def _test(run: jobs.Run, device: Device) -> None:
    result = connect.check_connection(device)
    run.progress(1, recorded=1)
    if result.ok:
        run.finish(connect.summary(result))
    else:
        _refused(run, result)


def _detect(run: jobs.Run, device: Device) -> None:
    try:
        guess, result = connect.detect(device)
    except Exception as error:
        run.fail(f"Detection failed: {type(error).__name__}")
        return
    run.progress(1, recorded=1)
    if guess:
        run.finish({"guess": guess, **connect.summary(result)})
    elif result.ok:
        run.fail("Logged in, but SSHDetect could not tell the platform: choose it by hand.")
    else:
        _refused(run, result)


def _attempts(run: jobs.Run) -> list[str]:
    """The credential sets that did not work, and why: "set lab-old: auth failed"."""
    failed = []
    for attempt in run.counts.get("attempts") or []:
        diagnosis = str(attempt.get("diagnosis", ""))
        if diagnosis and diagnosis != ssh.Diagnosis.OK:
            detail = f" ({attempt['detail']})" if attempt.get("detail") else ""
            failed.append(f"set {attempt.get('set')}: {diagnosis.replace('_', ' ')}{detail}")
    return failed


def connection_summary(run: jobs.Run) -> str:
    """A connection test in words: "connected with set lab-ops · prompt lab-router>"."""
    counts = run.counts
    working = counts.get("working")
    return join(
        (
            f"connected with set {working}" if working else "",
            f"prompt {counts['prompt']}" if counts.get("prompt") else "",
            *_attempts(run),
        )
    )


def detection_summary(run: jobs.Run) -> str:
    """Platform detection in words: "detected cisco_ios with set lab-ops"."""
    guess = run.counts.get("guess")
    working = run.counts.get("working")
    found = f"detected {guess}" + (f" with set {working}" if working else "") if guess else ""
    return join((found, *_attempts(run)))


def run_connection_test(run_id: int) -> str:
    """The worker's entry point for a connection test."""
    return _on_device(run_id, "the test", _test)


def run_platform_detection(run_id: int) -> str:
    """The worker's entry point for platform detection."""
    return _on_device(run_id, "detection", _detect)
