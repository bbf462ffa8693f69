"""The CLI's commands, one module each; `insertadvisor.cli` registers them.

Modules here import only what building the command line needs; the work each command
does is imported inside it, so start-up stays cheap.
"""
