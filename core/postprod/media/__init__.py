"""Safe decoding and probing of audio, images and video."""
