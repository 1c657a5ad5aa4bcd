"""Dispatch meetings (调度会) and the tasks they assign (交办事项)."""
