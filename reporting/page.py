"""The dashboard's single HTML file: tiles in a grid, a fraud-status toggle done in CSS, no script, no fetch."""
from __future__ import annotations

import datetime as dt

from reporting.charts import esc
from reporting.tiles import FILTERS, TILES, Tile, select_rows

TITLE = "Real Time Credit Card Fraud Monitoring"
# The browser itself refuses any fetch or script: the page must work from its own bytes alone.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"
CSS = """
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;
 background:#eef1f5;color:#212529}
header{display:flex;align-items:center;justify-content:space-between;gap:24px;padding:16px 28px;
 background:#1b2a41;color:#fff}
h1{font-size:22px;margin:0;font-weight:650}
.sub{color:#b8c4d3;font-size:12.5px;margin-top:2px}
.toggle{display:flex;align-items:center;gap:10px}
.toggle span{color:#b8c4d3;font-size:12.5px}
.seg{display:flex;border:1px solid #5b6f8c;border-radius:8px;overflow:hidden}
.seg label{padding:7px 15px;cursor:pointer;color:#dbe4ee;font-size:13.5px;border-left:1px solid #5b6f8c}
.seg label:first-child{border-left:0}
input.f{position:absolute;opacity:0;pointer-events:none}
main{display:grid;grid-template-columns:repeat(12,minmax(0,1fr));gap:16px;padding:20px 28px;
 max-width:1600px;margin:0 auto}
.tile{background:#fff;border-radius:10px;box-shadow:0 1px 3px rgba(16,24,40,.1);padding:14px 18px;min-width:0}
.tile h2{font-size:15.5px;margin:0;font-weight:650}
.note{color:#6c757d;font-size:12.5px;margin:2px 0 10px}
.v{display:none}
svg.chart{width:100%;height:auto;display:block}
.state{fill:#f1f3f5;stroke:#adb5bd;stroke-width:.7}
.inset{fill:none;stroke:#dee2e6}
.pt.fc-fraud{fill:#e03131;stroke:#fff;stroke-width:.7}
.pt.fc-not_fraud{fill:#4c6ef5;fill-opacity:.4}
.pt.fc-unlabelled{fill:#868e96;fill-opacity:.45}
.legend{display:flex;flex-wrap:wrap;align-items:baseline;gap:18px;font-size:13px;margin-top:6px}
.legend .fc i{border-radius:50%}
.legend i{display:inline-block;width:11px;height:11px;border-radius:3px;margin-right:6px;vertical-align:-1px}
.fine{color:#868e96;font-size:12px;margin:4px 0 0}
.kpis{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:12px}
.kpi{background:#f8f9fa;border-radius:8px;padding:12px 16px;border-left:4px solid #4c6ef5}
.kpi.warn{border-left-color:#f59f00;background:#fff8e1}
.kpi-label{font-size:11.5px;text-transform:uppercase;letter-spacing:.05em;color:#6c757d}
.kpi-value{font-size:28px;font-weight:700;line-height:1.25;white-space:nowrap}
.kpi-note{font-size:12px;color:#868e96}
text.lbl{font-size:13px;fill:#343a40}
text.val{font-size:12.5px;fill:#495057}
text.tick{font-size:12px;fill:#868e96}
line.grid{stroke:#edf0f2}
line.axis{stroke:#adb5bd}
table.grid{border-collapse:collapse;width:100%;font-size:13px}
table.grid th{text-align:left;color:#6c757d;font-weight:600;border-bottom:1px solid #dee2e6;padding:6px 8px}
table.grid td{border-bottom:1px solid #f1f3f5;padding:6px 8px;font-variant-numeric:tabular-nums;white-space:nowrap}
svg.pie{max-width:260px;margin:4px auto 14px}
.pie-legend{width:100%;border-collapse:collapse;font-size:13px}
.pie-legend td{padding:4px 6px;border-bottom:1px solid #f1f3f5;font-variant-numeric:tabular-nums}
.pie-legend td+td{text-align:right;color:#495057}
.pie-legend i{display:inline-block;width:11px;height:11px;border-radius:3px;margin-right:8px;vertical-align:-1px}
.empty{color:#868e96;font-style:italic;margin:28px 0;text-align:center}
footer{color:#6c757d;font-size:12px;text-align:center;padding:4px 28px 24px}
"""


def _filter_css() -> str:
    """Per filter: its variant of each tile shows, its label lights up, map dots of other classes hide."""
    rules = []
    for key, _ in FILTERS:
        on = f"#f-{key}:checked ~"
        rules.append(f"{on} main .v-{key}{{display:block}}")
        rules.append(f"{on} header label[for=f-{key}]{{background:#fff;color:#1b2a41;font-weight:650}}")
        if key != "all":
            rules.append(f"{on} main .fc:not(.fc-{key}){{display:none}}")
    return "\n".join(rules)


def _tile_body(tile: Tile, rows: list[dict]) -> str:
    if tile.filter_mode != "rows":
        return tile.draw(rows)
    return "".join(f'<div class="v v-{key}">{tile.draw(select_rows(rows, key))}</div>' for key, _ in FILTERS)


def _tile(tile: Tile, rows: list[dict]) -> str:
    note = f'<p class="note">{esc(tile.note)}</p>' if tile.note else '<p class="note"></p>'
    return (f'<section class="tile" id="tile-{tile.key}" data-view="reporting.{tile.view}" '
            f'style="grid-column:span {tile.span}"><h2>{esc(tile.title)}</h2>{note}{_tile_body(tile, rows)}</section>')


def build_page(data: dict[str, list[dict]], generated_at: dt.datetime, tiles: tuple[Tile, ...] = TILES) -> str:
    """The whole HTML document from each tile's view rows (`data[view]`)."""
    radios = "".join(f'<input class="f" type="radio" name="fraud" id="f-{key}"{" checked" if key == "all" else ""}>'
                     for key, _ in FILTERS)
    labels = "".join(f'<label for="f-{key}">{esc(label)}</label>' for key, label in FILTERS)
    stamp = generated_at.astimezone(dt.UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
    body = "".join(_tile(tile, data.get(tile.view, [])) for tile in tiles)
    return f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>{TITLE}</title><style>{CSS}{_filter_css()}</style></head>
<body>{radios}
<header><div><h1>{TITLE}</h1><div class="sub">cardstream · generated {stamp} from the reporting views</div></div>
<div class="toggle"><span>Fraud status</span><div class="seg">{labels}</div></div></header>
<main>{body}</main>
<footer>Aggregates and merchant locations only: no names, streets, dates of birth or card tokens.</footer>
</body></html>
"""
