"""The physical layer: photon sources, detectors and trains of pulses between them.

`devices` holds the device models and their parameters; `trains` simulates a
train of prepare-and-measure pulses (BB84 and its decoy-state variants) from a
transmitter through a channel of given transmittance to a receiver, and `pairs`
the entangled pairs of a down-conversion source to two receivers, each at the
cost of its detections rather than of its pulses (`sampling` draws them);
`channels` gives links that move (a satellite's track, its loss by table or beam
model); `keyrate` turns counts into decoy-state key rates. docs/physical.md gives the models and the
conventions.
"""
