"""xpm-mlboard 0.3.1 (a real client package) on this experimaestro: its TensorBoard service
(a ProcessWebService combined with its own Service subclass) is added to an experiment,
links tagged runs, describes and recreates itself; without the tensorboard package its
start fails with a clear error. Run by scripts/client-tests.sh, in the clients' venv."""

import sys
import tempfile
from pathlib import Path

from experimaestro import Param, Task, experiment, tag
from experimaestro.scheduler.services import Service, ServiceState
from xpm_mlboard.backends.tensorboard import TensorboardService


class Learn(Task):
    lr: Param[float]

    def execute(self):
        pass


def main():
    ws = Path(tempfile.mkdtemp()) / "ws"
    with experiment(ws, "mlboard") as xp:
        service = xp.add_service(TensorboardService(ws / "runs"))
        assert service.active
        assert service.log_directory == xp.run_path / "services" / "tensorboard"
        service.add(Learn.C(lr=tag(0.1)), ws / "tb" / "a")
        assert sorted(p.name for p in (ws / "runs").iterdir()) == ["lr=0.1", "lr=0.1.tags.json"]
        state = service.full_state_dict()
        assert state["service_id"] == "tensorboard" and state["state"] == "STOPPED"
        assert [s["service_id"] for s in state["subservices"]][0] == "tensorboard"
        copy = Service.from_state_dict(state["class"], state["state_dict"])
        assert isinstance(copy, TensorboardService) and copy.path == ws / "runs"
        try:
            import tensorboard  # noqa: F401
        except ImportError:
            try:
                service.get_url()
                raise AssertionError("get_url() should fail without tensorboard")
            except RuntimeError as e:
                assert "exited with code" in str(e), e
            assert service.state is ServiceState.ERROR
    print("xpm-mlboard smoke test: OK")


if __name__ == "__main__":
    sys.exit(main())
