"""Codecs: values to bytes and bytes to bytes, named in stacks."""
