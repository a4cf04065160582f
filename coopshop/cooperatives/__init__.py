"""The network: cooperatives, their members, municipalities and settlement rule versions."""
