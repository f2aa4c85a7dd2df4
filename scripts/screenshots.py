"""Take the documentation screenshots with Playwright and Debian's Chromium.

    .venv/bin/python scripts/screenshots.py --user admin --password '...' \
        /=docs/img/home.png /audit/=docs/img/audit-trail.png

Run it against a local `make run` (http://127.0.0.1:8000 by default). Add
`--contrast` for the high-contrast theme and `--width 390` for a phone.
"""

from __future__ import annotations

import argparse

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/lib/chromium/chromium"  # the real binary; /usr/bin/chromium is a wrapper
ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("shots", nargs="+", help="PATH=FILE, e.g. /=docs/img/home.png")
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=720)
    parser.add_argument("--contrast", action="store_true")
    args = parser.parse_args()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": args.width, "height": args.height})
        page.goto(f"{args.url}/login/")
        if args.contrast:
            page.evaluate("localStorage.setItem('netkeep-theme', 'contrast')")
        page.fill("#id_username", args.user)
        page.fill("#id_password", args.password)
        page.click("button[type=submit].primary")
        page.wait_for_load_state()
        for shot in args.shots:
            path, _, filename = shot.partition("=")
            page.goto(args.url + path)
            page.screenshot(path=filename)
            print(f"{path} -> {filename}")
        browser.close()


if __name__ == "__main__":
    main()
