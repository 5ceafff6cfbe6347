"""Networks from files: topologies as QNET's JSON and GraphML describe them."""
