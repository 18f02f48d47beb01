"""typed-cloudmap: a typed dict over object storage with etag-safe writes."""
