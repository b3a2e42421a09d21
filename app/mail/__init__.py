"""Mail: an outbox written in the deciding transaction, a relay in the worker, and one sender interface
(an .eml file by default, SMTP when SMTP_URL is set)."""
