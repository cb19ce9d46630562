"""The `hasim` command: one module per group of subcommands, each with
`register(subparsers)`; `main` assembles them."""
