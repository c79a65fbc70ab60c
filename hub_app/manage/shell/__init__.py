"""What every dashboard section shares: layout and navigation, widgets, the base state, form parsing."""
