# tests: style checks, lab end-to-end scenarios.
