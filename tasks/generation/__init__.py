"""Generation: seeded batch samples from trained models, and the lecture's P1/P3/P4/P5 pictures."""
