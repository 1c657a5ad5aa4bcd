"""Dispatch follow-up (调度与交办跟踪): meetings per region and month, tasks per unit."""
