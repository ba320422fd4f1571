"""Request plumbing: no domain rules here."""
