"""Identity verification: the journey's steps, attempt limits, name matching, the record of checks and in-person confirmation."""
