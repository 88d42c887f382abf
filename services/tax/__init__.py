"""税务 (tax bureau): collects contributions and feeds the collection data to the center."""
