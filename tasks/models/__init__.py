"""The lecture's models (P1, P2/P4, P5, P6, P7, P8) as typed configs and Keras 3 builders.

TensorFlow/Keras is imported inside the builder functions, never at module import.
"""
