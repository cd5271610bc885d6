"""The notices' tables: notices, their translations and deliveries, subscribe-message quotas and receipts."""
