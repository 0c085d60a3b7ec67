"""Delivery: e-mail outbox and templates, webhooks, in-app notifications (docs/delivery.md)."""
