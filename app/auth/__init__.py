"""Who is calling: access tokens, the authenticated principal and the viewer every object-level check
asks about. Below every domain package, so that any endpoint can authenticate without a cycle."""
