"""Orchestration only: @flow bodies that sequence the stage tasks. Nothing imports flows."""
