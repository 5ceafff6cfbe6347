"""The fuzzer: generated and mutated programs driven through every `qnetc` command."""
