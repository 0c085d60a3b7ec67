"""Delivery: the e-mail outbox and its templates, webhooks, in-app notifications (see docs/delivery.md)."""
