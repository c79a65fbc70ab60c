"""Data at scale: a deterministic generator of many stores' worth of data (COPY), and the
measurement of what pages, the API, the admin and the workers cost as that data grows."""
