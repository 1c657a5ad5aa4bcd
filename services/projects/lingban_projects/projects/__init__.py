"""The project aggregate: one secretary-led project of one unit for one year."""
