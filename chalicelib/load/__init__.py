"""Load: each raw CSV object into PostgreSQL exactly once (the loader, its SQL steps, the sweep)."""
