"""Fraud: the rules and their set-based scoring, a hook inside each file's load transaction."""
