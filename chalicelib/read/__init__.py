"""Read: the GET routes (one transaction, a page of fraud alerts)."""
