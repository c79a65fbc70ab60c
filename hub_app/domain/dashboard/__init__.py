"""Read models and small actions of the store manager dashboard that no other area provides."""
