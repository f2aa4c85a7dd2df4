.PHONY: run test lint screenshots bench clean

run:  ## set up and run Netkeep with demo data (web + worker) at http://127.0.0.1:8000
	@scripts/run.sh

test:  ## install test needs, lint, checks, then the suite on SQLite and PostgreSQL
	@scripts/test.sh

lint:
	@.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy .

screenshots:  ## rerun the browser tour (root: it needs the lab) and rewrite docs/screenshots/
	@# On a throwaway PostgreSQL, as in CI: on SQLite the live server's threads share the
	@# tour's swapped database connection, which can fail mid-tour ("closed database").
	@url=$$(scripts/pg.sh start) && trap 'scripts/pg.sh stop "$${url##*host=}"' EXIT && \
	  NETKEEP_SCREENSHOTS=docs/screenshots DJANGO_SETTINGS_MODULE=netkeep.test_settings \
	  DATABASE_URL="$$url" .venv/bin/pytest -p no:cacheprovider -q tests/tour/test_tour.py tests/netkeep/test_dashboard_browser.py

bench:  ## run the benchmarks and rewrite docs/benchmarks.md
	@.venv/bin/python bench/run_all.py

clean:
	rm -rf .venv staticfiles .pytest_cache .mypy_cache .ruff_cache
