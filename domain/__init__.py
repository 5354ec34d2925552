"""Pure logic of the failback: models, rules, policies. Imports nothing from the project."""
