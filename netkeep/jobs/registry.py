"""What each app declares: its run kinds and its periodic jobs.

Apps declare them in a `jobs.py` module of their own, which netkeep imports at
start-up for every installed app (like admin.py), so netkeep never names an app:

    from netkeep import jobs

    jobs.kind("backup", "Config backup", run="backups.fetch.run_backup", noun="backups",
              summary="backups.fetch.summary")
    jobs.periodic("backups:nightly", "backups.tasks.nightly", schedule="daily", jitter_s=3600)
    jobs.periodic_from("backups", backups_schedules)   # specs that depend on data
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypedDict


class ScheduleSpec(TypedDict, total=False):
    """A django-q2 Schedule's fields as a periodic job wants them, plus its first-run jitter."""

    name: str
    func: str
    args: str | None
    schedule_type: str
    minutes: int | None
    jitter_s: float
    cron: str


@dataclass(frozen=True)
class Kind:
    """A kind of run: its label, the function a worker calls with the run's id, its rate noun."""

    name: str
    label: str
    run: str
    noun: str = "jobs"
    group: str = ""
    keep_days: float = 90
    summary: str = ""


@dataclass
class Periodic:
    """One django-q2 schedule an app wants: `func` called on `schedule`, first run jittered."""

    name: str
    func: str
    schedule: str = "minutes"
    minutes: int | None = None
    args: tuple[object, ...] | None = None
    jitter_s: float = 0.0
    cron: str = ""

    def spec(self) -> ScheduleSpec:
        """The Schedule fields (plus jitter_s) that the sync engine compares and writes."""
        from django_q.models import Schedule

        types = {
            "minutes": Schedule.MINUTES,
            "hourly": Schedule.HOURLY,
            "daily": Schedule.DAILY,
            "weekly": Schedule.WEEKLY,
            "cron": Schedule.CRON,
        }
        if self.schedule not in types:
            raise ValueError(
                f"unknown schedule {self.schedule!r} for {self.name}: use one of {', '.join(types)}"
            )
        spec: ScheduleSpec = {
            "name": self.name,
            "func": self.func,
            "args": repr(self.args) if self.args is not None else None,
            "schedule_type": types[self.schedule],
            "minutes": self.minutes if self.schedule == "minutes" else None,
            "jitter_s": self.jitter_s,
        }
        if self.schedule == "cron":
            if not self.cron:
                raise ValueError(f"{self.name}: a cron schedule needs its cron line")
            spec["cron"] = self.cron
        return spec


@dataclass
class Registry:
    kinds: dict[str, Kind] = field(default_factory=dict)
    periodic: dict[str, list[Periodic]] = field(default_factory=dict)
    dynamic: dict[str, list[Callable[[], list[Periodic]]]] = field(default_factory=dict)


REGISTRY = Registry()


def kind(
    name: str,
    label: str,
    *,
    run: str,
    noun: str = "jobs",
    group: str = "",
    keep_days: float = 90,
    summary: str = "",
) -> Kind:
    """Declare a run kind: `run` is the dotted path of `func(run_id) -> str` a worker calls.

    `noun` names the kind in the rate-limit message ("scans"); runs of the kind
    are forgotten `keep_days` after they finished. `summary` is the dotted path
    of `func(run) -> str` that says in words what a run found (netkeep.jobs.summary).
    """
    if len(name) > 30:
        raise ValueError(f"run kind {name!r} is longer than 30 characters")
    name = str(name)
    declared = Kind(name, label, run, noun, group or run.split(".", 1)[0], keep_days, summary)
    REGISTRY.kinds[name] = declared
    return declared


def get_kind(name: str) -> Kind:
    """The declared kind; ValueError naming the known kinds otherwise."""
    try:
        return REGISTRY.kinds[name]
    except KeyError:
        known = ", ".join(sorted(REGISTRY.kinds)) or "none declared"
        raise ValueError(f"unknown run kind {name!r}: choose one of {known}") from None


def summary_of(name: str) -> str:
    """The dotted path of the kind's summary function ("" when it has none)."""
    found = REGISTRY.kinds.get(name)
    return found.summary if found else ""


def label(name: str) -> str:
    found = REGISTRY.kinds.get(name)
    return found.label if found else name.replace("_", " ").capitalize()


def kind_choices() -> list[tuple[str, str]]:
    return [(k.name, k.label) for k in REGISTRY.kinds.values()]


def _prefix(name: str) -> str:
    if ":" not in name:
        raise ValueError(f"periodic job {name!r} needs a prefix: name it '<app>:<what>'")
    return name.split(":", 1)[0]


def periodic(
    name: str,
    func: str,
    *,
    schedule: str = "minutes",
    minutes: int | None = None,
    args: tuple[object, ...] | None = None,
    jitter_s: float = 0.0,
) -> Periodic:
    """Declare a periodic job named '<app>:<what>'; synced into django-q2 schedules."""
    job = Periodic(name, func, schedule, minutes, args, jitter_s)
    job.spec()  # refuse a bad schedule at declaration, not at sync
    jobs = REGISTRY.periodic.setdefault(_prefix(name), [])
    jobs[:] = [j for j in jobs if j.name != name] + [job]
    return job


def periodic_from(prefix: str, source: Callable[[], list[Periodic]]) -> None:
    """Declare periodic jobs that depend on data (one per subnet, per device, ...)."""
    sources = REGISTRY.dynamic.setdefault(prefix, [])
    if source not in sources:
        sources.append(source)


def prefixes() -> list[str]:
    return sorted(set(REGISTRY.periodic) | set(REGISTRY.dynamic))


def wanted(prefix: str) -> list[Periodic]:
    """Every periodic job declared under `prefix`, static and data-driven."""
    jobs = list(REGISTRY.periodic.get(prefix, []))
    for source in REGISTRY.dynamic.get(prefix, []):
        jobs.extend(source())
    return jobs
