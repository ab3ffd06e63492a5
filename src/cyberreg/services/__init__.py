"""What a user can do, as plain functions over a `Store`: the CLI, the API and the pages call these."""
