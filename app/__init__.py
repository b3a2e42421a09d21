"""Supply-demand matchmaking marketplace API for Sichuan's equipment-renewal programme."""
