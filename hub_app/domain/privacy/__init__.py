"""Personal data (GDPR): what the hub holds about a person, exporting it, and erasing it.

- `inventory.py`: every column that links a row to a person, and what export and erasure do with it.
- `export.py` / `export_files.py`: the export document (JSON, documented keys) and its readable copy.
- `erase.py`: a person erases their whole account (or an admin does, on request).
- `store_erase.py`: a store removes a client from its own records on the client's request.
- `scrub.py`: the anonymising steps both erasures share; `notices.py`: the erasure email.
"""
