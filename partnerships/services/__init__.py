"""Every write to partnerships goes through these modules: keyword-only, atomic."""
