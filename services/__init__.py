"""The agency services. A service never imports another: they meet on the bus."""
