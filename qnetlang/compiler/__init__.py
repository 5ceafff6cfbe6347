"""The compiler: a whole multi-party protocol as one quantum circuit.

lower.py walks a run's roles in causal order into one dynamic circuit
(circuit.py); reuse.py can reset and reuse measured qubits; qiskit_bridge.py
turns the circuit into qiskit's form, dynamic or deferred (standard);
emit.py writes OpenQASM 3, OpenQASM 2, a drawing or a qiskit snippet; and
backends.py runs it on qiskit-aer. Only this package imports qiskit.
"""
