"""Household pages, one module per feature; each module declares its own `urlpatterns`."""
