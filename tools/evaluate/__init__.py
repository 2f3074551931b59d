"""The fraud rules measured on a labelled Sparkov file, through the real loader (`python -m tools.evaluate`)."""
