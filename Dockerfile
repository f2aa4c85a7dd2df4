# Netkeep: one image for the web server and the worker (see compose.yaml).
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    NETKEEP_DATA_DIR=/data \
    STATIC_ROOT=/app/staticfiles

# nmap for port scans; setcap lets the non-root user open raw sockets with it
# when the container is granted NET_RAW (the worker service is; the web is not
# meant to run scans).
RUN apt-get update \
 && apt-get install -y --no-install-recommends nmap libcap2-bin \
 && setcap cap_net_raw,cap_net_admin+eip /usr/bin/nmap \
 && apt-get purge -y libcap2-bin && apt-get autoremove -y \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /app
# Dependencies first, so that code changes do not reinstall them.
COPY pyproject.toml README.md ./
RUN pip install .
COPY . .

# Static files are collected (compressed, hashed names) at build time. The key
# only satisfies the settings check for this one command and is thrown away.
RUN DEBUG=false SECRET_KEY="build-only-$(python -c 'import secrets; print(secrets.token_urlsafe(40))')" \
    DATABASE_URL=sqlite:///:memory: \
    python manage.py collectstatic --no-input -v0

RUN useradd --system --uid 10001 --user-group --home-dir /app --shell /usr/sbin/nologin netkeep \
 && mkdir -p /data && chown netkeep:netkeep /data
USER netkeep
VOLUME /data
EXPOSE 8000

HEALTHCHECK --interval=30s --timeout=10s --start-period=60s --retries=3 \
  CMD ["python", "-m", "netkeep.healthcheck"]

ENTRYPOINT ["scripts/docker-entrypoint.sh"]
CMD ["web"]
