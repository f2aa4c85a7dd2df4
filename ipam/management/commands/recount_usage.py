"""manage.py recount_usage: rebuild the utilisation counters of every subnet (a repair)."""

from __future__ import annotations

from typing import TypedDict, Unpack

from django.core.management.base import BaseCommand, CommandParser

from ipam import usage
from ipam.models import Subnet


class Options(TypedDict):
    subnet: int | None


class Command(BaseCommand):
    help = "Rebuild the per-subnet and per-tile host counters from the hosts (ipam/usage.py)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--subnet", type=int, help="Only this subnet (its id).")

    def handle(self, *args: str, **options: Unpack[Options]) -> None:
        subnets = Subnet.objects.all()
        if options["subnet"]:
            subnets = subnets.filter(pk=options["subnet"])
        usage.recount(subnets.iterator())
        self.stdout.write(f"Recounted {subnets.count()} subnet(s).")
