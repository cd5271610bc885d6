"""The notices API: the user's inbox, subscribe-message choices, and the admin API for notices."""
