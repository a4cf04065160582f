"""E-mail through an outbox table: SMTP when configured, ``.eml`` files otherwise."""
