"""The quarterly bulletin (季度通报): figures of the quarter per township, ranked."""
