"""The audit log: every write an admin or an operator makes, with who, when, and the values before and
after (`app/kit/audit.py`), and its read for admins and province operators (`GET /admin/audit-log`)."""
