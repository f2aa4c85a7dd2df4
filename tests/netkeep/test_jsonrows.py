"""Related rows read in their parent's query (netkeep.jsonrows), on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ipam.flow import page_hosts, with_tags
from ipam.models import Host, Subnet
from ipam.querysets import TagChip
from tests.factories import make_host, make_subnet, make_tag, make_vrf

pytestmark = pytest.mark.django_db

# Text JSON must carry whole: quotes, a backslash, a comma and bracket, non-ASCII.
AWKWARD = ['say "hi"', "back\\slash", "a, b]", "zoë ☃", "Ünïcode"]


def test_tags_come_with_their_subnets_and_hosts_whole_and_by_name() -> None:
    subnet = make_subnet("198.18.0.0/24")
    bare = make_subnet("198.18.1.0/24")
    host = make_host("198.18.0.9", subnet=subnet)
    tags = [make_tag(name, colour=f"#00000{n}") for n, name in enumerate(AWKWARD)]
    subnet.tags.set(tags)
    host.tags.set(tags[:2])
    expected = sorted(TagChip(t.name, t.colour) for t in tags)
    with CaptureQueriesContext(connection) as queries:
        read = {s.pk: s for s in Subnet.objects.for_tree().filter(pk__in=[subnet.pk, bare.pk])}
        assert read[subnet.pk].tag_chips == expected
        assert read[bare.pk].tag_chips == []
        rows = with_tags(list(page_hosts(Host.objects.filter(pk=host.pk))))
    assert len(queries) == 2  # one per queryset: no query per row, none for the tags
    assert rows[0].tag_list == sorted(TagChip(t.name, t.colour) for t in tags[:2])


def test_the_ancestors_come_with_the_subnet_outermost_first_in_its_own_vrf() -> None:
    make_subnet("198.18.0.0/15")
    make_subnet("198.18.0.0/16")
    make_subnet("198.18.4.0/22")
    leaf = make_subnet("198.18.4.0/24")
    make_subnet("198.18.0.0/16", vrf=make_vrf("other"))
    make_subnet("198.18.8.0/22")  # beside, not above
    with CaptureQueriesContext(connection) as queries:
        read = Subnet.objects.with_ancestors().get(pk=leaf.pk)
        path = [link.network for link in read.ancestors()]
    assert len(queries) == 1
    assert path == ["198.18.0.0/15", "198.18.0.0/16", "198.18.4.0/22"]
    # Without the annotation it reads them: the same answer.
    assert [link.network for link in leaf.ancestors()] == path
    top = Subnet.objects.with_ancestors().get(network="198.18.0.0/15")
    assert top.ancestors() == []
