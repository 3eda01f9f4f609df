"""mdt store layer: its own tables, their repositories (all of its SQL) and migrations."""
