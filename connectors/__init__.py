"""Social network connectors behind one Protocol (X, LinkedIn, and a local sandbox)."""
