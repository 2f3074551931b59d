"""Developer tools that are not part of the pipeline: tools/evaluate measures the fraud rules."""
