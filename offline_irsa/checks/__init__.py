"""Repository checks, kept apart from the stand-in: lint, workflow linters, dependency floors."""
