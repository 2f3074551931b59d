"""Stream: Kinesis records cut into raw CSV files on S3 (a pure cutting core, the landing, the formats)."""
