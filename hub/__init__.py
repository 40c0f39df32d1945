"""The province hub: events from every center stored once on PostgreSQL, daily rollups, an API."""
