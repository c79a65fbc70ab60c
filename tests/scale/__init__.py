"""The scale data generator (bench/scale)."""
