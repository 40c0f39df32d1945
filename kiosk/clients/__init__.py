"""HTTP clients of the two services (queueing; locker in part B), with one small exception tree."""
