"""Users, roles, log-in, invitations and password reset."""
