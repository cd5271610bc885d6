"""The registry: the people and contributions imported from the social security registry, their identifiers and names, and the demo data."""
