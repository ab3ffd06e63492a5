"""The `cyberreg` command line: typer commands over the services, one module per command group."""
