"""Where the read models live: one generation of collections, swapped in by a pointer."""
