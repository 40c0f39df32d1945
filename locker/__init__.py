"""The 24-hour result locker daemon: deposits, pickup codes, staff, doors, audit, API."""
