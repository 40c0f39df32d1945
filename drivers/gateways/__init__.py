"""Outside systems over HTTP: SMS gateway and one-stop back office (real adapters and simulators)."""
