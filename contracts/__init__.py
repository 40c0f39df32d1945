"""The wire contract between the services and their clients: one module per service.

`contracts.locker` and `contracts.queueing` hold every request body, every answer and every
error code of the locker daemon's and the queueing service's HTTP APIs as pydantic models and
enums. The services declare them on their routes (so the OpenAPI documents show the real
bodies); the kiosk's clients parse answers with the same models, so a renamed field fails a
test instead of a citizen. This package imports only pydantic and the standard library: never
a service's internals, never Kivy.
"""
