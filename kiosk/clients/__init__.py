"""HTTP clients of the two services (queueing, locker), with one small exception tree."""
