"""Metric definitions, aggregates and charts for the executive dashboards."""
