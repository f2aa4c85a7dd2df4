"""The API fuzzed from its own OpenAPI schema (schemathesis), as an admin and as a viewer.

The schema is loaded from the running app (WSGI, in-process), so every
operation it documents is covered, including endpoints added later. For each
operation, schemathesis sends the schema's examples and a bounded number of
generated requests (valid and invalid), and the test asserts:

- no 5xx, whatever the input;
- every documented response matches its documented schema and content type;
- every write a viewer attempts answers 403 (except their own account's
  endpoints under /api/auth/, which any signed-in user may use).

`NETKEEP_FUZZ_EXAMPLES` raises the number of generated requests per operation
for a longer local run (default 5, which keeps each database's run within a
few minutes).
"""

from __future__ import annotations

import ipaddress
import json
import os
import socket
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
)

from accounts.api.views import ObtainSerializer
from accounts.models import Role, User
from netkeep.wsgi import application
from tests.conftest import make_user
from tests.factories import make_host, make_subnet, make_tag, make_vlan, make_vrf

# Imported under the name the fuzz test uses: its source seeds Hypothesis (derandomize=True),
# so a rename would change every generated request.
from tests.pages import has_view as _reaches_a_view

EXAMPLES = int(os.environ.get("NETKEEP_FUZZ_EXAMPLES", "5"))
WRITES = {"POST", "PUT", "PATCH", "DELETE"}
# Any signed-in user manages their own sign-in, password and tokens here.
OWN_ACCOUNT = "/api/auth/"


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    """Generated input must never make the server send a packet beyond loopback."""

    def refuse(address: Any) -> None:
        host = address[0] if isinstance(address, tuple) else None
        if host is None:
            return  # Unix sockets
        try:
            if ipaddress.ip_address(host.split("%")[0]).is_loopback:
                return
        except ValueError:
            if host == "localhost":
                return
        raise AssertionError(f"the fuzzed API tried to reach {host}: requests must enqueue jobs")

    real_connect, real_sendto = socket.socket.connect, socket.socket.sendto

    def connect(self: socket.socket, address: Any) -> Any:
        refuse(address)
        return real_connect(self, address)

    def sendto(self: socket.socket, data: bytes, *args: Any) -> Any:
        refuse(args[-1])
        return real_sendto(self, data, *args)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "sendto", sendto)


def _seed() -> None:
    """A few objects of each kind, so generated ids sometimes hit a real row."""
    vrf = make_vrf()
    tag = make_tag()
    vlan = make_vlan()
    vlan.tags.add(tag)
    subnet = make_subnet("198.51.100.0/24", vlan=vlan)
    make_subnet("198.51.100.0/26")
    make_subnet("2001:db8::/64", vrf=vrf)
    make_host("198.51.100.70", subnet, hostname="web").tags.add(tag)
    make_host("198.51.100.5")


def _bearer(user: User) -> dict[str, str]:
    # Long enough for the whole run: the default access lifetime is five minutes.
    access = ObtainSerializer.get_token(user).access_token
    access.set_exp(lifetime=timedelta(hours=1))
    return {"Authorization": f"Bearer {access}"}


@pytest.fixture(params=[Role.ADMIN, Role.VIEWER])
def role(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def one_connection() -> Iterator[None]:
    """Requests through WSGI keep the test's database connection, as Django's test client does.

    Django closes the connection at the end of each request; on PostgreSQL that
    would end the test's transaction.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def auth(role: str, db: None, no_network: None, one_connection: None) -> dict[str, str]:
    _seed()
    return _bearer(make_user(f"fuzz-{role}", role))


def _app_schema() -> Any:
    """The schema the app serves at /api/schema/, built in-process; requests go through WSGI.

    Built at collection (no database needed), so that pytest lists one test per
    operation and role.
    """
    document = json.loads(OpenApiJsonRenderer().render(SchemaGenerator().get_schema(public=True)))
    loaded = schemathesis.openapi.from_dict(document)
    loaded.app = application
    loaded.config.phases.update(phases=["examples", "fuzzing"])
    loaded.config.generation.update(max_examples=EXAMPLES)
    return loaded


schema = _app_schema()


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=True,
    database=None,  # no .hypothesis/ folder in the checkout
    suppress_health_check=list(HealthCheck),
)
def test_every_operation_answers_within_its_schema(
    case: Any, role: str, auth: dict[str, str]
) -> None:
    response = case.call(headers=auth)
    case.validate_response(
        response,
        checks=[not_a_server_error, response_schema_conformance, content_type_conformance],
    )
    method = case.method.upper()
    if (
        role == Role.VIEWER
        and method in WRITES
        and not case.path.startswith(OWN_ACCOUNT)
        and _reaches_a_view(case.formatted_path)
    ):
        assert response.status_code == 403, (
            f"a viewer's {method} {case.formatted_path} answered {response.status_code}, not 403"
        )


def test_the_fuzzer_walks_every_operation_the_app_serves(auth: dict[str, str]) -> None:
    """The walk is the served schema's: an endpoint added later is fuzzed too."""
    served = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application, headers=auth)
    labels = {op.ok().label for op in served.get_all_operations()}
    assert labels == {op.ok().label for op in schema.get_all_operations()}
    assert "POST /api/ipam/subnets/{id}/allocate/" in labels
    assert len(labels) > 40
