"""saas-sim: a Monte-Carlo simulator of SaaS unit economics."""

__version__ = "0.2.0"
