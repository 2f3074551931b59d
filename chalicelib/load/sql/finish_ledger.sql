-- The file's counts, written last: the ledger row commits together with everything the file produced.
UPDATE ingest_file
SET rows_total = %(total)s, rows_inserted = %(inserted)s, rows_duplicate = %(duplicate)s,
    rows_rejected = %(rejected)s, labels_updated = %(labels_updated)s, finished_at = clock_timestamp()
WHERE file_id = %(file_id)s
