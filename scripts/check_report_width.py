"""Check that report pages fit a browser window: no horizontal scrolling at 1400 px.

Renders each report.html in headless Chromium at the given width (a copy of the page, with
a small script added that measures it once loaded) and fails when the page is wider than
the window, or when a part of it (a table in a scrolling box) has to scroll sideways.

    .venv/bin/python scripts/check_report_width.py outputs/            # every report.html under it
    .venv/bin/python scripts/check_report_width.py a/report.html b/report.html --width 1400
    .venv/bin/python scripts/check_report_width.py outputs/ --screenshots /tmp/shots

Exit status: 0 when every page fits, 1 when one does not (each named, with its widths),
2 when Chromium is missing or a path holds no report.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

INSTALL = "apt-get install -y chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# runs when the page has loaded (its images decoded): the page's widths, and every box
# that scrolls sideways, written into the DOM that --dump-dom prints
PROBE = """<script>
addEventListener("load", () => {
  const root = document.documentElement;
  const boxes = [];
  for (const el of document.querySelectorAll("body *")) {
    const x = getComputedStyle(el).overflowX;
    if ((x === "auto" || x === "scroll") && el.scrollWidth > el.clientWidth + 1) {
      let h = el.previousElementSibling;
      while (h && !/^H[1-6]$/.test(h.tagName)) h = h.previousElementSibling;
      boxes.push({what: el.tagName.toLowerCase() + (el.className ? "." + el.className : ""),
                  section: h ? h.textContent : "", scroll: el.scrollWidth,
                  client: el.clientWidth});
    }
  }
  const out = document.createElement("pre");
  out.id = "gasroutes-width";
  out.textContent = JSON.stringify({scroll: root.scrollWidth, client: root.clientWidth,
                                    inner: innerWidth, height: root.scrollHeight,
                                    boxes: boxes});
  document.body.appendChild(out);
});
</script>"""
FOUND = re.compile(r'<pre id="gasroutes-width">(.*?)</pre>', re.S)


@dataclass(frozen=True)
class Measure:
    """A page's widths in CSS px: its scrollWidth, the window's (clientWidth), and the
    boxes inside it that scroll sideways."""

    scroll: int
    client: int
    height: int
    boxes: list[dict[str, object]]

    def problems(self) -> list[str]:
        out = []
        if self.scroll > self.client:
            out.append(f"page is {self.scroll} px wide in a {self.client} px window")
        for b in self.boxes:
            where = f" under '{b['section']}'" if b["section"] else ""
            out.append(
                f"{b['what']}{where} scrolls sideways: {b['scroll']} px of content "
                f"in {b['client']} px"
            )
        return out


class Missing(Exception):
    """Chromium is not installed."""


def find_chromium(given: str | None) -> str:
    for name in [given] if given else ["chromium", "chromium-browser", "google-chrome"]:
        path = shutil.which(name)
        if path:
            return path
    raise Missing(
        f"Chromium not found{f' ({given})' if given else ''}: install it with `{INSTALL}` "
        "(Debian's package)"
    )


def reports(paths: list[Path]) -> list[Path]:
    """The pages to check: files as given, every report.html under a folder."""
    out: list[Path] = []
    for p in paths:
        if p.is_dir():
            found = sorted(p.rglob("report.html"))
            if not found:
                raise FileNotFoundError(f"{p}: no report.html under this folder")
            out += found
        elif p.is_file():
            out.append(p)
        else:
            raise FileNotFoundError(f"{p}: no such file or folder")
    return out


def _chromium(browser: str, profile: Path, width: int, height: int, *extra: str) -> str:
    cmd = [browser, *FLAGS, f"--user-data-dir={profile}", f"--window-size={width},{height}"]
    done = subprocess.run([*cmd, *extra], capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.strip().splitlines()[-5:])
        raise RuntimeError(f"chromium exited with status {done.returncode}: {tail}")
    return done.stdout


def measure(browser: str, page: Path, width: int, shot: Path | None = None) -> Measure:
    """Render ``page`` at ``width`` px and measure it; with ``shot``, also save a
    screenshot of the whole page there."""
    text = page.read_text(encoding="utf-8")
    at = text.rfind("</body>")
    probed = text[:at] + PROBE + text[at:] if at >= 0 else text + PROBE
    with tempfile.TemporaryDirectory(prefix="report-width-") as tmp:
        copy = Path(tmp) / "page.html"
        copy.write_text(probed, encoding="utf-8")
        profile = Path(tmp) / "profile"
        profile.mkdir()
        dom = _chromium(browser, profile, width, 900, "--dump-dom", copy.as_uri())
        found = FOUND.search(dom)
        if found is None:
            raise RuntimeError(f"{page}: the page did not report its width (did it load?)")
        m = json.loads(found.group(1).replace("&quot;", '"').replace("&amp;", "&"))
        result = Measure(int(m["scroll"]), int(m["client"]), int(m["height"]), m["boxes"])
        if shot is not None:
            shot.parent.mkdir(parents=True, exist_ok=True)
            # the original page (without the probe), as tall as its content
            tall = min(result.height, 16000)
            _chromium(
                browser, profile, width, tall, f"--screenshot={shot}", page.resolve().as_uri()
            )
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("paths", nargs="+", type=Path, help="report.html files or folders")
    parser.add_argument("--width", type=int, default=1400, help="window width, px (1400)")
    parser.add_argument("--chromium", help="the browser to run (default: chromium on PATH)")
    parser.add_argument("--screenshots", type=Path, help="save a PNG of each page here")
    args = parser.parse_args(argv)
    try:
        pages = reports(args.paths)
        browser = find_chromium(args.chromium)
    except (Missing, FileNotFoundError) as err:
        print(f"check_report_width: {err}", file=sys.stderr)
        return 2
    failed = 0
    for i, page in enumerate(pages):
        shot = None
        if args.screenshots is not None:
            shot = args.screenshots / f"{i:02d}-{page.parent.name}.png"
        try:
            m = measure(browser, page, args.width, shot)
        except (RuntimeError, subprocess.TimeoutExpired, OSError) as err:
            print(f"check_report_width: {page}: {err}", file=sys.stderr)
            return 2
        problems = m.problems()
        if problems:
            failed += 1
            print(f"TOO WIDE {page} at {args.width} px:")
            for p in problems:
                print(f"  {p}")
        else:
            print(f"ok {page}: {m.scroll} px wide in a {m.client} px window")
    if failed:
        print(f"{failed} of {len(pages)} pages do not fit {args.width} px")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
