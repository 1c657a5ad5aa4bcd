"""Projects service: declaration, review, execution and evaluation of secretary-led projects."""
