"""Data layer: settings, engine, models, migrations, queries and write functions."""
