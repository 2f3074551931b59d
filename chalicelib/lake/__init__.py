"""The lake: every transaction ever landed, queryable in Athena (docs/athena.md).

The raw files under raw-data/dt=/hour=/ are the source (a Glue table over them is in the stack's template);
a typed view reads them; a daily compaction merges them into a curated Iceberg table partitioned by
transaction date, deduplicated on trans_num; named queries answer the dashboard's tiles over it.
"""
