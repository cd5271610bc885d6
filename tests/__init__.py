"""The test suite (a package, so `from tests.factories import …` always resolves here)."""
