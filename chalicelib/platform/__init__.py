"""Platform: settings, database connections, secrets, AWS clients, logs, migrations. Depends on nothing above."""
