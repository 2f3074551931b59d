"""cardstream's local dashboard: the reporting views (sql/010_dashboard_views.sql, sql/020_fraud.sql) drawn as one
self-contained HTML file, read as the reporting role. `python -m reporting --help`; docs/quicksight.md."""
