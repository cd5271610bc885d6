"""Tests of the registry: identifiers, names, import, demo seed."""
