"""Patches of moto's internals stay off, after one warning line, on a moto release they were not proven on."""
import subprocess
import sys
from pathlib import Path

from infra import moto_cfn
from infra.local import moto_speedups
from infra.moto_guard import is_proven, moto_version

ROOT = Path(__file__).resolve().parents[1]


def test_a_proven_release_passes_silently_and_another_is_named_in_one_warning():
    said = []
    assert is_proven("a patch", ("5.2.5", "5.2.6"), "5.2.6", said.append) is True
    assert said == []
    assert is_proven("a patch", ("5.2.5", "5.2.6"), "5.3.0", said.append) is False
    assert said == ["warning: a patch: proven on moto 5.2.5, 5.2.6 only, found moto 5.3.0; left off, stock moto "
                    "runs (prove it on this release, then add the version)"]


def test_the_locked_moto_is_a_release_every_patch_was_proven_on():
    """After `make upgrade` moves moto, this fails until the patches are proven on the new release."""
    assert moto_version() in moto_cfn.PROVEN_ON
    assert moto_version() in moto_speedups.PROVEN_ON


def test_on_an_unproven_release_the_cloudformation_fixes_register_nothing():
    script = ("import sys\nfrom infra import moto_cfn\nsaid = []\n"
              "assert moto_cfn.register_cloudformation_fixes('5.99.0', said.append) is False\n"
              "assert len(said) == 1 and 'moto_cfn.py' in said[0], said\n"
              "assert 'infra.moto_cfn_models' not in sys.modules\n"
              "from moto.rds.models import DBParameterGroup\n"
              "assert 'physical_resource_id' not in DBParameterGroup.__dict__ or "
              "DBParameterGroup.__dict__['physical_resource_id'].fget.__module__.startswith('moto')\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr


def test_on_a_proven_release_the_cloudformation_models_are_registered():
    script = ("from infra import moto_cfn\nassert moto_cfn.register_cloudformation_fixes(say=print) is True\n"
              "from moto.cloudformation import parsing\n"
              "assert 'AWS::SecretsManager::SecretTargetAttachment' in parsing.get_model_map()\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr + done.stdout


def test_starting_the_emulator_imports_no_moto_internals_before_the_version_check():
    """A release that renamed what the speed-ups patch must still start the emulator, on stock moto."""
    script = ("import sys\nimport infra.local.emulator_server\n"
              "assert not {'moto.kinesis.models', 'moto.kinesis.responses'} & set(sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
