"""`flask admin …` and `flask service-point …`: console accounts and service points."""
