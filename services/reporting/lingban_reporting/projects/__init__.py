"""Per-project read model (项目台账视图)."""
