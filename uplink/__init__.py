"""The center's sender to the province hub: outbox events in batches, and a heartbeat."""
