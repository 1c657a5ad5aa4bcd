"""File attachments: uploads streamed into GridFS, checked, referenced by records, swept.

See docs/files.md. A service mounts `files_router` (upload, download,
thumbnail), resolves the references a command attaches with `attach`, and
runs `orphan_sweep_loop` among its background loops.
"""
