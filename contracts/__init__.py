"""The wire contract between the services and their clients: per service, one module per area.

`contracts.locker` holds the locker daemon's vocabulary and error codes, and `contracts.locker_*`
the request bodies and answers of each area of its HTTP API; `contracts.queueing` and the modules
named in its docstring do the same for the queueing service. All are pydantic models and enums.
The services declare them on their routes (so the OpenAPI documents show the real bodies); the
kiosk's clients parse answers with the same models, so a renamed field fails a test instead of a
citizen. This package imports only pydantic and the standard library: never a service's
internals, never Kivy.
"""
