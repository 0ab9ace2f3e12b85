"""The county's registers as forms and details: one form for every kind of record."""
