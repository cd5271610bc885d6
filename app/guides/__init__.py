"""Guides: the step-by-step guide journeys, drawn from the sourced facts, and `flask content check`."""
