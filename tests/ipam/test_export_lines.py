"""Host CSV lines written by PostgreSQL: the same bytes as csv.writer's, whatever the cells hold."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from ipam.exporting import hosts_written_by_postgresql, written_by_python
from ipam.filters import HostFilter
from ipam.models import VRF, Host, Subnet, Tag
from tests.factories import make_host, make_subnet

pytestmark = pytest.mark.django_db
postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="PostgreSQL writes the lines"
)

HEADER = "address,vrf,subnet,hostname,description,mac,tags,notes,status,last_seen,origin\r\n"
SEEN = datetime(2026, 3, 1, 12, 0, 5, tzinfo=UTC)


def _host(address: str, subnet: Subnet, tags: tuple[str, ...] = (), **raw: object) -> Host:
    """A host whose cells are written as given, past the forms' checks (as bulk writes do)."""
    host = make_host(address, subnet=subnet)
    if raw:
        Host.objects.filter(pk=host.pk).update(**raw)
    host.tags.set([Tag.objects.get_or_create(name=name)[0] for name in tags])
    return host


@pytest.fixture
def hosts() -> dict[str, Subnet]:
    """Hosts whose cells need every rule: quotes, defusing, line ends, no tags, NULLs."""
    tricky = VRF.objects.create(name='=lab "blue", east')
    parent = make_subnet("198.51.100.0/24")
    child = make_subnet("198.51.100.128/25")
    v6 = make_subnet("2001:db8:0:1::/64", vrf=tricky)
    _host("198.51.100.1", parent, hostname="web-1", description="plain", last_seen=SEEN)
    _host(
        "198.51.100.2",
        parent,
        ("core", "@a-ops", "b,c"),  # in name order whatever the collation
        hostname="=cmd",
        description='say "hi", twice',
        mac="+41",
        notes="-first line\r\nsecond\nthird\rfourth",
        last_seen=SEEN.replace(microsecond=500000),
    )
    _host(
        "198.51.100.3",
        parent,
        ("\tab", 'q"uote'),
        hostname="@home",
        description="\tindented",
        mac="\rcr",
        notes="Zürich ☃ 東京, ok",
        status="up",
        origin="discovered",
        last_seen=SEEN.replace(microsecond=1),
    )
    _host("198.51.100.4", parent, hostname="", description="", mac="", notes="")
    _host("198.51.100.200", child, ("core",), hostname="in-child", description="-", notes="=1+2")
    _host("2001:db8:0:1::a", v6, ("=sum",), hostname="v6-host", description="'quoted already'")
    _host("2001:db8:0:1:ffff:ffff:ffff:ffff", v6, mac="aa:bb:cc:dd:ee:ff", last_seen=SEEN)
    # Name order as the database's collation gives it, for both writers.
    other = make_subnet("203.0.113.0/24")
    _host("203.0.113.5", other, ("Zeta", "alpha", "Mid", "_x", "-y"))
    # No form writes these, but a cell is quoted for what it holds, not for its column.
    # One such cell a row: each column's check is needed on its own.
    _host("203.0.113.7", other, status='do"wn,')
    _host("203.0.113.8", other, origin="=x\r\ny")
    odd = _host("203.0.113.6", other)
    with connection.cursor() as cursor:  # past the field's own parsing too
        cursor.execute("UPDATE ipam_host SET address = %s WHERE id = %s", ['6,"x"', odd.pk])
    return {"parent": parent, "child": child, "v6": v6}


def _both(params: dict[str, object]) -> tuple[str, str]:
    """The export of the hosts the filters select, as PostgreSQL and as Python write it."""
    filterset = HostFilter(params, queryset=Host.objects.all())
    assert filterset.is_valid(), filterset.errors
    return (
        "".join(hosts_written_by_postgresql(filterset.qs)),
        "".join(written_by_python("hosts", filterset.qs)),
    )


@postgresql_only
def test_every_host_line_written_by_postgresql_is_the_line_csv_writer_writes(hosts):
    by_database, by_python = _both({})
    assert by_database == by_python
    assert by_database.count("\r\n") > Host.objects.count()  # line ends inside cells too


@postgresql_only
@pytest.mark.parametrize(
    ("params", "rows"),
    [
        ({"within_subnet": "parent"}, 5),  # the child subnet's host too
        ({"within_subnet": "v6"}, 2),
        ({"within": "2001:db8::/32"}, 2),
        ({"q": "web"}, 1),
        ({"tag": ["core", "=sum"]}, 3),  # either tag, each host once
        ({"status": ["up"], "origin": "discovered"}, 1),
        ({"mac": "aa:bb"}, 1),
        ({"within": "192.0.2.0/24"}, 0),  # the header alone
    ],
)
def test_a_filtered_export_written_by_postgresql_is_the_same_bytes(hosts, params, rows):
    params = {k: hosts[v].pk if k == "within_subnet" else v for k, v in params.items()}
    by_database, by_python = _both(params)
    assert by_database == by_python
    assert len(list(csv.reader(io.StringIO(by_database)))) == 1 + rows


def test_a_host_export_quotes_defuses_and_orders_cells_as_csv_writer_does(hosts, viewer_client):
    """Both databases, through the view: on PostgreSQL these are the database's lines."""
    url = reverse("ipam:export", args=["hosts"]) + f"?within_subnet={hosts['parent'].pk}"
    text = b"".join(viewer_client.get(url).streaming_content).decode()
    assert text == HEADER + (
        "198.51.100.1,,198.51.100.0/24,web-1,plain,,,,unknown,2026-03-01T12:00:05+00:00,documented\r\n"
        '198.51.100.2,,198.51.100.0/24,\'=cmd,"say ""hi"", twice",\'+41,'
        '"\'@a-ops,b,c,core","\'-first line\r\nsecond\nthird\rfourth",unknown,'
        "2026-03-01T12:00:05.500000+00:00,documented\r\n"
        '198.51.100.3,,198.51.100.0/24,\'@home,\'\tindented,"\'\rcr","\'\tab,q""uote",'
        '"Zürich ☃ 東京, ok",up,2026-03-01T12:00:05.000001+00:00,discovered\r\n'
        "198.51.100.4,,198.51.100.0/24,,,,,,unknown,,documented\r\n"
        "198.51.100.200,,198.51.100.128/25,in-child,'-,,core,'=1+2,unknown,,documented\r\n"
    )


def test_an_ipv6_export_writes_addresses_networks_and_the_vrf_as_the_page_shows_them(
    hosts, viewer_client
):
    url = reverse("ipam:export", args=["hosts"]) + "?within=2001:db8::/32"
    text = b"".join(viewer_client.get(url).streaming_content).decode()
    vrf = '"\'=lab ""blue"", east"'
    assert text == HEADER + (
        f"2001:db8:0:1::a,{vrf},2001:db8:0:1::/64,v6-host,'quoted already',,'=sum,,"
        "unknown,,documented\r\n"
        f"2001:db8:0:1:ffff:ffff:ffff:ffff,{vrf},2001:db8:0:1::/64,,,aa:bb:cc:dd:ee:ff,,,"
        "unknown,2026-03-01T12:00:05+00:00,documented\r\n"
    )


@postgresql_only
def test_on_postgresql_the_host_export_is_written_by_the_database(hosts, viewer_client):
    with CaptureQueriesContext(connection) as queries:
        response = viewer_client.get(reverse("ipam:export", args=["hosts"]))
        b"".join(response.streaming_content)
    sqls = [q["sql"] for q in queries]
    lines = [sql for sql in sqls if "jsonb_object_agg" in sql]
    assert len(lines) == 1  # every line from one query: none per chunk for tags or subnets
    assert not [sql for sql in sqls if sql not in lines and "ipam_host_tags" in sql]
