"""Automated checks run on a submitted product version (pure logic, no Django models)."""
