"""The year-end assessment (考核), the use of its results and the model-case library."""
