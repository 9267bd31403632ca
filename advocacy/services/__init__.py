"""Domain logic: plain functions called by views, CLI commands and jobs."""
