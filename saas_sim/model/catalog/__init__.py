"""The catalog: every scenario field and every metric declared once; the rest of saas_sim derives from it."""

from saas_sim.model.catalog.fields import FIELD, FIELDS, Field, FieldRule
from saas_sim.model.catalog.metrics import METRICS, SUMMARY_METRICS, Metric

__all__ = ["FIELD", "FIELDS", "METRICS", "SUMMARY_METRICS", "Field", "FieldRule", "Metric"]
