"""Demo data (placeholder until the full set lands)."""


def seed() -> str:
    return "no demo data"


def accounts_table() -> str:
    return ""
