"""The card API: the card screens (JSON and CSV) and the identity QR code."""
