"""Test suite (a package, so tests/locker etc. never shadow the real locker package)."""
