"""Read models of the year-end assessment (考核) and the model-case library."""
