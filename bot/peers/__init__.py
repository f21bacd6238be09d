"""Peer learning: the collaborative's peer-sharing channel."""
