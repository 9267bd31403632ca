"""Courses, the quiz engine, certification rules and the gating policy."""
