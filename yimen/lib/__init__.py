"""Pure helpers with no Django state (style.md rule 4)."""
