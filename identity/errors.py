class NotRepresentative(Exception):
    """Only a business's legal representative may do this to its members."""
