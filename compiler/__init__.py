"""bottlec: compile a bottle manifest into reviewable sandbox artifacts."""

__version__ = "0.1.0"
