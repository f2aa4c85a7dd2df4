"""One page per host, forms with a path above them, and "Add host here" that comes back."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from ipam.models import Host, Subnet
from tests.factories import make_host, make_subnet

pytestmark = pytest.mark.django_db
HX = {"HX-Request": "true"}


@pytest.fixture
def subnet() -> Subnet:
    return make_subnet("198.18.4.0/24", name="servers")


def test_add_host_here_then_save_lands_on_the_row_in_the_subnet(
    editor_client: Client, subnet: Subnet
) -> None:
    url = reverse("ipam:host_create") + f"?subnet={subnet.pk}&address=198.18.4.20"
    response = editor_client.post(url, {"address": "198.18.4.20", "hostname": "ssh-box"})
    host = Host.objects.get(address="198.18.4.20")
    assert response.status_code == 302
    assert response["Location"] == f"{subnet.get_absolute_url()}?jump=198.18.4.20#a-{host.pk}"


def test_the_new_host_form_shows_where_it_is(editor_client: Client, subnet: Subnet) -> None:
    url = reverse("ipam:host_create") + f"?subnet={subnet.pk}&address=198.18.4.20"
    html = editor_client.get(url).content.decode()
    assert (
        '<nav class="crumbs" aria-label="Where this form is">'
        '<a href="/ipam/subnets/">Subnets</a> › '
        f'<a href="{subnet.get_absolute_url()}">198.18.4.0/24</a> › '
        '<span aria-current="page">New host</span></nav>'
    ) in html
    plain = editor_client.get(reverse("ipam:host_create")).content.decode()
    assert '<a href="/ipam/hosts/">Hosts</a> › <span aria-current="page">New host</span>' in plain


def test_the_edit_forms_show_where_they_are(admin_client: Client, subnet: Subnet) -> None:
    host = make_host("198.18.4.9", subnet)
    html = admin_client.get(reverse("ipam:host_edit", args=[host.pk])).content.decode()
    assert f'<a href="{host.get_absolute_url()}">198.18.4.9</a> › ' in html
    html = admin_client.get(reverse("ipam:subnet_edit", args=[subnet.pk])).content.decode()
    assert f'<a href="{subnet.get_absolute_url()}">198.18.4.0/24</a> › ' in html


def test_the_host_page_is_the_one_page_with_uptime_ports_and_events(
    viewer_client: Client, admin_client: Client, subnet: Subnet
) -> None:
    from discovery.models import OpenPort

    host = make_host("198.18.4.9", subnet, hostname="web", status="up")
    OpenPort.objects.create(host=host, port=22, protocol="tcp", state="open", service="ssh")
    page = viewer_client.get(host.get_absolute_url()).content.decode()
    for section in ("Uptime", "Latency", "Open ports", "Recent events"):
        assert f'<section aria-label="{section}">' in page
    assert "22/ssh" in page
    assert "Status history</a>" not in page
    admin_page = admin_client.get(host.get_absolute_url()).content.decode()
    assert (
        f'href="{reverse("discovery:host_make_device", args=[host.pk])}">Make a device'
        in admin_page
    )
    # The drawer's old "full view" is this page now.
    full = viewer_client.get(reverse("discovery:host_drawer", args=[host.pk]))
    assert full.status_code == 302 and full["Location"] == host.get_absolute_url()
    drawer = viewer_client.get(reverse("discovery:host_drawer", args=[host.pk]), headers=HX)
    body = drawer.content.decode()
    assert "Full view" not in body and f'href="{host.get_absolute_url()}">Host page' in body


def test_the_host_page_refuses_someone_without_a_role(
    noaccess_client: Client, subnet: Subnet
) -> None:
    host = make_host("198.18.4.9", subnet)
    assert noaccess_client.get(host.get_absolute_url()).status_code == 403
    drawer = reverse("discovery:host_drawer", args=[host.pk])
    assert noaccess_client.get(drawer).status_code == 403
