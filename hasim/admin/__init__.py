"""The admin's side: the real `ha-manager` against a simulated cluster (spec 05).

* `cli_tree` — the command tree, usage lines and listings;
* `parameters` — arguments read as pve-common reads them, its 400 errors;
* `cluster` — hasim's files seen as /etc/pve;
* `refusals` — the real refusals, in their order; `edits` — what writers change;
* `requests` — a request as an `Edit` value that travels to a running simulation;
* `status`, `config_views`, `tables`, `motion` — what the real command prints.
"""


def request(argv: list[str]):
    """An inbox request's arguments as the edit a running simulation applies
    (`requests.HaManagerRequest`), loaded only when a request arrives: a batch
    run that gets none never pays for the ha-manager grammar."""
    from hasim.admin.requests import HaManagerRequest

    return HaManagerRequest(argv)
