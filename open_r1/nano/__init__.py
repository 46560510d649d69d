"""The nano-R1 kit: verifiable tasks, an imperfect teacher, a tokenizer and the specs of the tiny models.

Imports only open_r1.core. Building a model (which trains) lives a layer up, in open_r1.labs.nano_build; the
`nano://` names resolve through open_r1.nano.spec.
"""
