"""Drive a headless Chromium from the tests: the DOM it built, the boxes it laid out, a screenshot.

``.ci/run`` installs Chromium when it is missing; ``$FACTLOG_CHROMIUM`` picks a binary, else the first of
``BROWSERS`` on ``$PATH``. Every run gets a fresh profile and no network chatter, and runs as root (CI) too.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from html import unescape
from pathlib import Path

BROWSERS = ("chromium-headless-shell", "chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", "--hide-scrollbars",
         "--disable-dev-shm-usage", "--mute-audio")
WINDOW = (1000, 1750)


def find() -> str | None:
    chosen = os.environ.get("FACTLOG_CHROMIUM")
    if chosen:
        return shutil.which(chosen) or chosen
    return next((path for path in map(shutil.which, BROWSERS) if path), None)


def run(*args: str, timeout: float = 90) -> bytes:
    """Chromium's stdout for one headless run in a profile of its own."""
    binary = find()
    if binary is None:
        raise RuntimeError("no Chromium found: install chromium (apt-get install chromium) or set FACTLOG_CHROMIUM")
    with tempfile.TemporaryDirectory(prefix="factlog-chromium-") as profile:
        command = [binary, *FLAGS, f"--user-data-dir={profile}", *args]
        done = subprocess.run(command, capture_output=True, timeout=timeout)
    if done.returncode != 0:
        raise RuntimeError(f"{command} failed ({done.returncode}): {done.stderr.decode(errors='replace')[-2000:]}")
    return done.stdout


def dump_dom(page: Path) -> str:
    """The page as the browser parsed it (after its own HTML and SVG parsing, not ours)."""
    return run("--dump-dom", page.as_uri()).decode("utf-8")


def screenshot(page: Path, png: Path, size: tuple[int, int] = WINDOW) -> Path:
    png.parent.mkdir(parents=True, exist_ok=True)
    run(f"--window-size={size[0]},{size[1]}", f"--screenshot={png}", page.as_uri())
    return png


# Measures, in the browser's own layout, every timeline's box, marks and texts. The report itself forbids
# scripts (its Content-Security-Policy); the copy measured here lets this one script in, and changes nothing else.
MEASURE = """<script>
const box = (node) => { const r = node.getBoundingClientRect();
  return {left: r.left, top: r.top, right: r.right, bottom: r.bottom}; };
const own = (node) => [...node.childNodes].filter((c) => c.nodeType === 3).map((c) => c.data).join("");
const timelines = [...document.querySelectorAll("svg.timeline")].map((svg) => ({
  fact: svg.closest("section").dataset.fact, box: box(svg),
  marks: [...svg.querySelectorAll("g.mark")].map((g) => ({event: g.dataset.event, source: g.dataset.source,
    title: g.querySelector("title").textContent, box: box(g)})),
  texts: [...svg.querySelectorAll("text")].map((t) => ({kind: t.getAttribute("class"), text: own(t), box: box(t)})),
}));
const out = document.createElement("pre"); out.id = "geometry"; out.textContent = JSON.stringify(timelines);
document.body.append(out);
</script>"""


# Each origin chain (issue 16) as the browser renders it: the text a reader sees (innerText: only what is
# rendered), its box, and whether it is visible at all (checkVisibility: not display:none, hidden or transparent).
CHAINS = """<script>
const chains = [...document.querySelectorAll("ol.chains li")].map((li) => {
  const r = li.getBoundingClientRect();
  return {fact: li.closest("section").dataset.fact, source: li.dataset.source, text: li.innerText,
          independent: li.closest("div.citations").querySelector("p.independent").innerText,
          width: r.width, height: r.height,
          visible: li.checkVisibility({opacityProperty: true, visibilityProperty: true})};
});
const out = document.createElement("pre"); out.id = "geometry"; out.textContent = JSON.stringify(chains);
document.body.append(out);
</script>"""


def chains(page: Path, size: tuple[int, int] = WINDOW) -> list[dict]:
    """Every origin chain of ``page`` as the browser renders it (``CHAINS``)."""
    return measure(page, size, CHAINS)


def measure(page: Path, size: tuple[int, int] = WINDOW, script: str = MEASURE) -> list[dict]:
    """Every timeline of ``page`` as laid out by the browser: its box, and each mark's and text's box (px)."""
    html = page.read_text(encoding="utf-8")
    html = re.sub(r"default-src 'none'", "default-src 'none'; script-src 'unsafe-inline'", html, count=1)
    html = html.replace("</body>", script + "\n</body>", 1)
    with tempfile.TemporaryDirectory(prefix="factlog-measure-") as folder:
        copy = Path(folder) / page.name
        copy.write_text(html, encoding="utf-8")
        dom = run(f"--window-size={size[0]},{size[1]}", "--dump-dom", copy.as_uri()).decode("utf-8")
    found = re.search(r'<pre id="geometry">(.*?)</pre>', dom, re.S)
    assert found, "the measuring script did not run"
    return json.loads(unescape(found.group(1)))
