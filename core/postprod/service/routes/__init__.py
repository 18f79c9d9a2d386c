"""The service's routes, one router per area: operations, health, the docs page and its demo."""
