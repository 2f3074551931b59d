"""The dashboard as a browser shows it: headless Chromium opens the page and counts what each tile drew.

A probe script (added to a copy of the page; the page itself runs no script and forbids it) switches the
fraud-status toggle to each value and counts, per tile, the chart marks that have a size on screen.
`make test-browser` installs Chromium when it is missing.
"""
import json
import re
import shutil
import subprocess

import pytest

from reporting.dashboard import write_dashboard
from reporting.tiles import FILTERS, TILES
from tests.support.dashboard_sample import sample_transaction

pytestmark = pytest.mark.browser

CHROMIUM_FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1400,1800")
PROBE = """<script>
const seen = {};
for (const input of document.querySelectorAll('input.f')) {
  input.checked = true;
  seen[input.id.slice(2)] = Object.fromEntries([...document.querySelectorAll('section.tile')].map(tile => [
    tile.id.slice(5),
    [...tile.querySelectorAll('.mark')].filter(m => {
      const box = m.getBoundingClientRect();
      return box.width > 0 && box.height > 0;
    }).length]));
}
const out = document.createElement('pre');
out.id = 'probe';
out.textContent = JSON.stringify(seen);
document.body.append(out);
</script>"""


@pytest.fixture(scope="module")
def chromium():
    path = shutil.which("chromium") or shutil.which("chromium-browser")
    if path is None:
        pytest.skip("Chromium is not installed: `make test-browser` installs it and runs these tests")
    return path


@pytest.fixture(scope="module")
def marks(chromium, pg_dsn, tmp_path_factory):
    """{filter: {tile key: marks drawn}} for the sample data set, as Chromium lays the page out."""
    folder = tmp_path_factory.mktemp("dashboard")
    with sample_transaction(pg_dsn) as conn:
        page = (folder / "dashboard.html")
        write_dashboard(conn, str(page))
    html = re.sub(r'<meta http-equiv="Content-Security-Policy"[^>]*>', "", page.read_text())
    probed = folder / "probed.html"
    probed.write_text(html.replace("</body>", PROBE + "</body>"))
    profile = folder / "profile"
    profile.mkdir()
    done = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", "--dump-dom", probed.as_uri()],
                          capture_output=True, text=True, timeout=180)
    found = re.search(r'<pre id="probe">(.*?)</pre>', done.stdout)
    assert found, f"Chromium printed no probe result (exit {done.returncode}): {done.stderr[-2000:]}"
    return json.loads(found.group(1))


# Marks per tile for the sample: KPIs, ledger rows, map cells, pie slices, bars, (day, class) columns.
SAMPLE_MARKS = {"freshness": 3, "ledger": 2, "headline": 4, "map": 4, "category": 2, "states": 2, "merchants": 2,
                "trend": 4, "hot": 1}  # hot: retention never ran on the sample, so one KPI says "all history"


def test_every_tile_is_on_the_page(marks):
    assert set(marks["all"]) == {tile.key for tile in TILES}


def test_each_chart_draws_one_mark_per_datum(marks):
    assert {key: marks["all"][key] for key in SAMPLE_MARKS} == SAMPLE_MARKS


def test_the_fraud_filter_keeps_only_fraud_on_the_map_and_trend(marks):
    assert (marks["fraud"]["map"], marks["fraud"]["trend"], marks["fraud"]["states"]) == (2, 2, 2)


def test_the_not_fraud_filter_empties_the_fraud_rankings(marks):
    shown = marks["not_fraud"]
    assert (shown["map"], shown["trend"], shown["states"], shown["merchants"], shown["category"]) == (1, 1, 0, 0, 0)
    assert shown["headline"] == 4 and shown["freshness"] == 3  # numbers and pipeline health stay


def test_every_filter_of_the_toggle_was_probed(marks):
    assert set(marks) == {key for key, _ in FILTERS}
