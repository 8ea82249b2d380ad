"""Thin views: gate, form, service, redirect. One module per area of the app."""
