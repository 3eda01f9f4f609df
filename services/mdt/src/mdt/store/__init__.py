"""mdt service: store layer (own tables, repositories, migrations)."""
