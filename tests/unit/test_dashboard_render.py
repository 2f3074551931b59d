"""The dashboard renderer, from hand-built view rows: what each tile shows, and that the page is self-contained."""
import datetime as dt
import re

from reporting import charts, health, timechart, usmap
from reporting.fraudmap import merge_cells
from reporting.page import build_page
from reporting.tiles import FILTERS, TILES, draw_headline, draw_top_merchants, select_rows

NOW = dt.datetime(2024, 5, 1, 12, 0, tzinfo=dt.UTC)


def _row(fraud_class, transactions=1, volume_usd=10.0, **keys):
    return {"fraud_class": fraud_class, "is_fraud": {"fraud": True, "not_fraud": False}.get(fraud_class),
            "transactions": transactions, "volume_usd": volume_usd, **keys}


def _data():
    return {
        "pipeline_health": [{"checked_at": NOW, "last_loaded_at": NOW - dt.timedelta(minutes=5),
                             "rows_loaded_last_hour": 7, "files_loaded_last_hour": 2, "rejected_rows_last_hour": 1,
                             "rejected_rows": 3}],
        "ingest_files_by_status": [{"status": "loaded", "files": 2, "rows_total": 8, "rows_inserted": 7,
                                    "rows_duplicate": 0, "rows_rejected": 1, "last_finished_at": NOW}],
        "headline": [_row("fraud", 2, 900.0, state="NY", fraud_transactions=2),
                     _row("not_fraud", 3, 30.0, state="NY", fraud_transactions=0),
                     _row("unlabelled", 2, 20.0, state="CA", fraud_transactions=0)],
        "fraud_by_location": [_row("fraud", 2, latitude=40.7, longitude=-74.0),
                              _row("not_fraud", 3, latitude=34.1, longitude=-118.2)],
        "fraud_by_category": [_row("fraud", 2, category="shopping_net"), _row("not_fraud", 3, category="home")],
        "fraud_by_state": [_row("fraud", 2, state="NY"), _row("not_fraud", 3, state="NY")],
        "fraud_by_merchant": [_row("fraud", 2, merchant="Kub <b>& Mann</b>"), _row("not_fraud", 3, merchant="Haley")],
        "daily_volume": [_row("fraud", 2, 900.0, day=dt.date(2024, 4, 28)),
                         _row("not_fraud", 3, 30.0, day=dt.date(2024, 4, 30))],
    }


def _section(page, key):
    return re.search(rf'<section class="tile" id="tile-{key}".*?</section>', page, re.S).group(0)


def test_every_tile_is_on_the_page_with_its_view():
    page = build_page(_data(), NOW)
    for tile in TILES:
        assert f'id="tile-{tile.key}" data-view="reporting.{tile.view}"' in _section(page, tile.key)


def test_a_filtered_tile_is_drawn_once_per_fraud_filter():
    headline = _section(build_page(_data(), NOW), "headline")
    assert [m for m in re.findall(r'class="v v-(\w+)"', headline)] == [key for key, _ in FILTERS]


def test_the_page_fetches_nothing_and_runs_no_script():
    page = build_page(_data(), NOW)
    assert "<script" not in page
    assert not re.search(r'(src|href)\s*=\s*"', page)
    assert "default-src 'none'" in page


def test_text_from_the_data_is_escaped():
    page = build_page(_data(), NOW)
    assert "<b>" not in page and "Kub &lt;b&gt;&amp; Mann&lt;/b&gt;" in page


def test_headline_counts_states_once_across_fraud_classes():
    html = draw_headline(_data()["headline"])
    values = re.findall(r'<div class="kpi-value">(.*?)</div>', html)
    assert values == ["7", "$950.00", "2", "2"]


def test_headline_of_the_fraud_filter_counts_only_fraud():
    html = draw_headline(select_rows(_data()["headline"], "fraud"))
    assert re.findall(r'<div class="kpi-value">(.*?)</div>', html) == ["2", "$900.00", "2", "1"]


def test_top_merchants_rank_by_fraud_transactions_and_keep_five():
    rows = [_row("fraud", n, merchant=f"m{n}") for n in range(1, 9)] + [_row("not_fraud", 99, merchant="busy")]
    html = draw_top_merchants(rows)
    assert re.findall(r'dominant-baseline="middle">(m\d)<title>', html) == ["m8", "m7", "m6", "m5", "m4"]


def test_fraud_tiles_say_so_when_the_selection_has_no_fraud():
    assert "Nothing to show" in draw_top_merchants(select_rows(_data()["fraud_by_merchant"], "not_fraud"))


def test_pie_folds_the_smallest_slices_into_other():
    html = charts.pie([(f"c{i}", 10 - i) for i in range(10)], max_slices=4)
    assert html.count('class="mark"') == 4 and ">other</td><td>" in html


def test_freshness_warns_when_no_file_loaded_for_an_hour():
    row = {**_data()["pipeline_health"][0], "last_loaded_at": NOW - dt.timedelta(hours=2),
           "rejected_rows_last_hour": 0}
    html = health.draw_freshness([row])
    assert re.findall(r'kpi mark warn"><div class="kpi-label">(.*?)<', html) == ["Last file loaded"]
    assert "2 h ago" in html


def test_freshness_warns_about_rows_rejected_in_the_last_hour_only():
    fresh = health.draw_freshness(_data()["pipeline_health"])
    quiet = health.draw_freshness([{**_data()["pipeline_health"][0], "rejected_rows_last_hour": 0}])
    assert re.findall(r'kpi mark warn"><div class="kpi-label">(.*?)<', fresh) == ["Rejected rows, last hour"]
    assert "warn" not in quiet and "3 all time" in quiet


def test_trend_keeps_days_without_transactions_as_empty_columns():
    periods = timechart.period_range(dt.date(2024, 4, 28), dt.date(2024, 4, 30), "day")
    assert periods == [dt.date(2024, 4, 28), dt.date(2024, 4, 29), dt.date(2024, 4, 30)]


def test_trend_switches_to_weeks_past_its_column_limit():
    assert timechart.period_of(dt.date(2024, 1, 1), dt.date(2024, 4, 29)) == "day"
    assert timechart.period_of(dt.date(2024, 1, 1), dt.date(2024, 4, 30)) == "week"
    assert timechart.period_start(dt.date(2024, 5, 1), "week") == dt.date(2024, 4, 29)


def test_axis_ticks_are_round_and_reach_the_top_value():
    assert timechart.nice_ticks(950) == [0, 250, 500, 750, 1000]


def test_map_cells_merge_into_a_coarser_grid_when_there_are_too_many():
    rows = [_row("not_fraud", 1, latitude=40 + i / 10, longitude=-100.0) for i in range(10)]
    step, cells = merge_cells(rows, max_dots=5)
    assert step > 0.1 and len(cells) <= 5 and sum(cells.values()) == 10


def test_map_projection_puts_points_where_they_belong():
    new_york, san_francisco = usmap.project(-74.0, 40.7), usmap.project(-122.4, 37.8)
    assert san_francisco[0] < new_york[0]
    assert usmap.region_of(-149.9, 61.2) == "AK" and usmap.region_of(-157.8, 21.3) == "HI"
    assert usmap.project(2.35, 48.86) is None  # Paris is off the map, and counted as such


def test_the_hot_window_tile_says_all_history_while_retention_is_off_and_the_window_when_on():
    assert "all history" in health.draw_hot_window([{"hot_days": None, "hot_since": None}])
    since = dt.datetime(2026, 11, 6, 3, 30, tzinfo=dt.UTC)
    html = health.draw_hot_window([{"hot_days": 30, "hot_since": since, "ledger_days": 31,
                                    "last_run_at": since, "complete": True}])
    assert "last 30 days" in html and "2026-11-06 03:30 UTC" in html and "lake" in html
