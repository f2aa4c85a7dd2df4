"""IPAM models."""
