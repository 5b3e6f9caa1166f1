"""What goes in: repo references parsed from what users type, and the sources they come from."""
