"""The shared catalogue: members' listings, categories, images, moderation and search."""
