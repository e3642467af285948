"""The compiler and the bundle runtime agree on every name the contract fixes."""

from __future__ import annotations

from bottlec import contract
from tests.bundle_module import sidecar_init

init = sidecar_init()


def test_daemon_names_ports_and_order() -> None:
    assert {d.name: d.port for d in contract.DAEMONS} == init.PORTS
    assert list(init.PORTS) == [d.name for d in contract.DAEMONS]


def test_variable_names() -> None:
    assert init.ENV_DAEMONS == contract.ENV_DAEMONS
    assert init.ENV_GRACE == contract.ENV_GRACE
    assert init.ENV_CMD.startswith(contract.ENV_PREFIX)
    assert init.ENV_PORT.startswith(contract.ENV_PREFIX)


def test_default_commands_read_the_configs_bottlec_mounts() -> None:
    pipelock = init.default_command("pipelock", 8888)
    assert contract.PIPELOCK_CONFIG in pipelock and "0.0.0.0:8888" in pipelock
    assert contract.GIT_GATE_CONFIG in init.default_command("git-gate", 9418)
    assert contract.SUPERVISE_CONFIG in init.default_command("supervise", 9100)
    egress = init.default_command("egress", 9099)
    assert "regular@127.0.0.1:9099" in egress, "egress listens on loopback only"
    assert f"confdir={contract.CA_DIR}" in egress


def test_ports_reach_the_built_in_commands() -> None:
    env = {"BOTTLE_PORT_GIT_GATE": "19418", "BOTTLE_PORT_EGRESS": "19099"}
    assert "19418" in init.command_of("git-gate", env)
    assert "regular@127.0.0.1:19099" in init.command_of("egress", env)
    assert init.port_of("supervise", env) == 9100


def test_the_healthcheck_the_compiler_writes_runs_this_file() -> None:
    assert contract.HEALTHCHECK == ("python3", "/app/sidecar_init.py", "--healthcheck")


def test_the_target_registry_names_each_module_by_its_own_name() -> None:
    from bottlec.targets import TARGETS, target

    assert {name: target(name).NAME for name in TARGETS} == {name: name for name in TARGETS}
