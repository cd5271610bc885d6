"""Notices: compose, translate, schedule and publish multilingual notices; the audience, delivery by subscribe message, the inbox."""
