"""Admin views, one module per area. `ALL_VIEWS` is the order of the menu."""
