"""The demo county: a realistic village built through the public API, deterministic by seed."""
