"""Container health probe: GET /healthz on the local web server, exit 0 when it answers 200.

Used by the Dockerfile's HEALTHCHECK (the slim image has no curl). It runs
without Django, so it costs a few milliseconds: `python -m netkeep.healthcheck`.
"""

from __future__ import annotations

import os
import sys
import urllib.error
import urllib.request

DEFAULT_URL = "http://127.0.0.1:8000/healthz"


def host_header(allowed_hosts: str) -> str:
    """A Host header Django accepts: the first ALLOWED_HOSTS entry, made concrete."""
    for host in (h.strip() for h in allowed_hosts.split(",")):
        if not host:
            continue
        if host == "*":
            return "localhost"
        return host.lstrip(".")
    return "localhost"


def main() -> int:
    url = os.environ.get("HEALTHCHECK_URL", DEFAULT_URL)
    if not url.startswith(("http://", "https://")):
        print(f"unhealthy: HEALTHCHECK_URL must be an http(s) URL, not {url!r}", file=sys.stderr)
        return 1
    request = urllib.request.Request(  # noqa: S310  (scheme checked above)
        url, headers={"Host": host_header(os.environ.get("ALLOWED_HOSTS", ""))}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
            return 0 if response.status == 200 else 1
    except urllib.error.HTTPError as exc:
        print(f"unhealthy: /healthz answered {exc.code}", file=sys.stderr)
    except (urllib.error.URLError, OSError) as exc:
        print(f"unhealthy: {exc}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
