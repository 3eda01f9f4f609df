"""The referrals service's FHIR operations: one module each, declared in `definition`.

Each module holds its `OPERATION` (name, parameters, whether it changes state) and a
thin handler: the kernel has parsed and checked the input by the declaration; the
handler calls the service layer in one unit of work and returns the declared outputs.
"""
