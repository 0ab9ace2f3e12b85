"""Depots and stock: the depot's batch lines and movements, the supply catalogue,
nearest depots holding an item, rotation reminders, shortfalls and days of supply."""
